package org.corridor

import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CorridorException
import org.corridor.ffi.DeviceKind
import org.corridor.ffi.InternalException
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.ProfileRole
import org.corridor.ffi.Vault
import org.corridor.ffi.corridorVersion
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

const val PIN = "482916"

class VaultTest {
    private lateinit var dir: File
    private val deviceSecret = ByteArray(32) { it.toByte() }

    @BeforeEach
    fun makeDir() {
        dir = Files.createTempDirectory("corridor-kotlin").toFile()
    }

    @AfterEach
    fun removeDir() {
        dir.deleteRecursively()
    }

    private fun openVault(secret: ByteArray = deviceSecret) = CorridorVault.open(dir, HmacKeyStrengthener(secret))

    @Test
    fun `set up a phone, unlock with the PIN and read back settings`() = runBlocking<Unit> {
        openVault().use { corridor ->
            assertFalse(corridor.status().setUp)
            val session = corridor.vault.setupPersonal(PIN)
            assertEquals(ProfileRole.PERSONAL, session.profile().role)
            session.settingSet("language", "pt")
            session.settingSet("greeting", "Sawubona — olá — ☀")
            session.lock()

            val status = corridor.status()
            assertTrue(status.setUp)
            assertEquals(DeviceKind.PERSONAL, status.kind)
            assertEquals(2, status.profiles.size, "the person's profile and the decoy")

            val unlocked = corridor.unlock(PIN) as UnlockOutcome.Unlocked
            assertEquals("pt", unlocked.session.settingGet("language"))
            assertEquals("Sawubona — olá — ☀", unlocked.session.settingGet("greeting"))
            assertNull(unlocked.session.settingGet("missing"))
            assertEquals(listOf("greeting", "language"), unlocked.session.settingKeys())
            assertTrue(unlocked.session.settingDelete("greeting"))
            assertEquals(listOf("language"), unlocked.session.settingKeys())
        }
    }

    @Test
    fun `a wrong PIN raises WrongPin with the attempts left and the counter persists`() = runBlocking<Unit> {
        openVault().use { it.vault.setupPersonal(PIN) }
        openVault().use { corridor ->
            val wrong = assertThrows<CorridorException.WrongPin> { runBlocking { corridor.vault.unlock("111111", null) } }
            assertEquals(4u, wrong.attemptsLeft)
            assertEquals(0uL, wrong.retryAfterSecs)
            assertEquals(UnlockOutcome.WrongPin(3, 0.seconds), corridor.unlock("111112"))
        }
        openVault().use { corridor ->
            assertEquals(2u, corridor.status().failedAttempts, "the counter survives reopening")
            assertEquals(UnlockOutcome.WrongPin(2, 0.seconds), corridor.unlock("111113"))
            assertEquals(UnlockOutcome.WrongPin(1, 0.seconds), corridor.unlock("111114"))
            assertEquals(UnlockOutcome.WrongPin(0, 30.seconds), corridor.unlock("111115"))
            val waiting = corridor.unlock(PIN)
            assertTrue(waiting is UnlockOutcome.MustWait && waiting.retryAfter > 0.seconds, "got $waiting")
        }
    }

    @Test
    fun `change the PIN - the old one stops working, the data stays`() = runBlocking<Unit> {
        openVault().use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            session.settingSet("reminder.sound", "soft")
            assertThrows<CorridorException.WrongPin> { runBlocking { session.changePin("999999", "730184") } }
            val weak = assertThrows<CorridorException.InvalidInput> { runBlocking { session.changePin(PIN, "123456") } }
            assertEquals("new_pin", weak.field)
            session.changePin(PIN, "730184")
            assertTrue(corridor.unlock(PIN) is UnlockOutcome.WrongPin)
            val unlocked = corridor.unlock("730184") as UnlockOutcome.Unlocked
            assertEquals("soft", unlocked.session.settingGet("reminder.sound"))
        }
    }

    @Test
    fun `lock drops access and every call then raises Locked`() = runBlocking<Unit> {
        openVault().use { corridor ->
            val session = corridor.vault.setupPersonal(PIN)
            assertEquals(300u, session.autoLockSecs())
            session.setAutoLockSecs(60u)
            session.touch()
            session.lock()
            assertTrue(session.isLocked())
            assertThrows<CorridorException.Locked> { session.settingGet("language") }
            assertThrows<CorridorException.Locked> { session.touch() }
            val again = (corridor.unlock(PIN) as UnlockOutcome.Unlocked).session
            assertEquals(60u, again.autoLockSecs())
        }
    }

    @Test
    fun `the Kotlin strengthener is in the key path - another device secret cannot open the profile`() = runBlocking<Unit> {
        openVault().use { it.vault.setupPersonal(PIN) }
        openVault(ByteArray(32) { 7 }).use { otherDevice ->
            assertTrue(otherDevice.unlock(PIN) is UnlockOutcome.WrongPin)
        }
        openVault().use { assertTrue(it.unlock(PIN) is UnlockOutcome.Unlocked) }
    }

    @Test
    fun `a failing keystore becomes a Platform error, not a crash`() = runBlocking<Unit> {
        openVault().use { it.vault.setupPersonal(PIN) }
        val failing = object : KeyStrengthener {
            override fun strengthen(input: ByteArray): ByteArray = throw CorridorException.Platform("keystore locked")
            override fun forget() = throw CorridorException.Platform("keystore locked")
        }
        Vault.open(dir.absolutePath, failing).use { vault ->
            val error = assertThrows<CorridorException.Platform> { runBlocking { vault.unlock(PIN, null) } }
            assertTrue(error.reason.contains("keystore locked"), error.reason)
        }
        val thrower = object : KeyStrengthener {
            override fun strengthen(input: ByteArray): ByteArray = throw IllegalStateException("boom")
            override fun forget() = throw IllegalStateException("boom")
        }
        Vault.open(dir.absolutePath, thrower).use { vault ->
            assertThrows<CorridorException.Platform> { runBlocking { vault.unlock(PIN, null) } }
        }
    }

    @Test
    fun `bad input gets a clear error naming the field`() = runBlocking<Unit> {
        openVault().use { corridor ->
            val letters = assertThrows<CorridorException.InvalidInput> { runBlocking { corridor.vault.setupPersonal("48a916") } }
            assertEquals("pin", letters.field)
            val repeated = assertThrows<CorridorException.InvalidInput> { runBlocking { corridor.vault.setupPersonal("111111") } }
            assertTrue(repeated.reason.contains("repeat"), repeated.reason)
            assertFalse(corridor.status().setUp, "a refused setup writes nothing")
            assertThrows<CorridorException.NotSetUp> { runBlocking { corridor.vault.unlock(PIN, null) } }
            val session = corridor.vault.setupPersonal(PIN)
            val key = assertThrows<CorridorException.InvalidInput> { session.settingSet("bad key", "x") }
            assertEquals("key", key.field)
            assertThrows<CorridorException.InvalidInput> { session.setWipeAfterFailures(1u) }
            assertThrows<CorridorException.InvalidInput> { runBlocking { corridor.vault.unlock(PIN, "not-an-id") } }
        }
    }

    @Test
    fun `a damaged key file is reported, not a crash`() = runBlocking<Unit> {
        openVault().use { it.vault.setupPersonal(PIN) }
        val keyslots = File(dir, "keyslots")
        val good = keyslots.readBytes()
        keyslots.writeBytes(good.copyOf(100))
        openVault().use { corridor ->
            val damaged = assertThrows<CorridorException.KeyFileDamaged> { runBlocking { corridor.vault.unlock(PIN, null) } }
            assertTrue(damaged.reason.contains("truncated"), damaged.reason)
        }
        keyslots.writeBytes(good)
        openVault().use { assertTrue(it.unlock(PIN) is UnlockOutcome.Unlocked, "nothing was lost") }
    }

    @Test
    fun `educators on a shared tablet pick their profile by name`() = runBlocking<Unit> {
        openVault().use { corridor ->
            corridor.vault.setupEducator("Thandi", PIN).settingSet("site", "Beitbridge")
            corridor.vault.setupEducator("Maria", PIN).settingSet("site", "Ressano Garcia")
            val status = corridor.status()
            assertEquals(DeviceKind.EDUCATOR, status.kind)
            assertEquals(listOf("Thandi", "Maria"), status.profiles.map { it.displayName })
            val maria = corridor.vault.findEducator("maria")
            val session = (corridor.unlock(PIN, maria) as UnlockOutcome.Unlocked).session
            assertEquals("Maria", session.profile().displayName)
            assertEquals("Ressano Garcia", session.settingGet("site"))
            assertThrows<CorridorException.ProfileNotFound> { corridor.vault.findEducator("Nobody") }
            assertThrows<CorridorException.InvalidInput> { runBlocking { corridor.vault.unlock(PIN, null) } }
        }
    }

    @Test
    fun `the generated bindings carry the package name configured in uniffi toml`() {
        assertEquals("org.corridor.ffi", Vault::class.java.packageName)
        assertTrue(corridorVersion().isNotBlank())
    }

    @Test
    fun `a panic inside the core reaches Kotlin as InternalException and prints nothing`() {
        val java = File(System.getProperty("java.home"), "bin/java").absolutePath
        val process = ProcessBuilder(
            java,
            "-cp", System.getProperty("java.class.path"),
            "-Djna.library.path=" + System.getProperty("jna.library.path"),
            "org.corridor.PanicProbe",
        ).start()
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe did not finish")
        val stdout = process.inputStream.bufferedReader().readText()
        val stderr = process.errorStream.bufferedReader().readText()
        assertEquals(0, process.exitValue(), "probe failed: stdout=$stdout stderr=$stderr")
        assertEquals("caught InternalException\n", stdout)
        assertEquals("", stderr, "something reached stderr")
    }
}

/** Run in a child JVM by the panic test, so that its native stdout and stderr can be read. */
object PanicProbe {
    @JvmStatic
    fun main(args: Array<String>) {
        try {
            org.corridor.ffi.testingTriggerPanic()
            println("no exception")
            kotlin.system.exitProcess(2)
        } catch (expected: InternalException) {
            println("caught InternalException")
        }
        // The library still works after the panic.
        check(corridorVersion().isNotBlank())
    }
}

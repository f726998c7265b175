package org.corridor.app

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.HmacKeyStrengthener
import org.corridor.TestHub
import org.corridor.TestProgramme
import org.corridor.ffi.Hub
import org.corridor.ffi.HubSettings
import org.corridor.ffi.Vault
import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.ProfileSession

const val PIN = "482916"
const val DURESS = "505050"

/** The app under Robolectric: the real core; an in-memory HMAC key stands in for the Keystore, which the JVM lacks. */
class TestApp : CorridorApp() {
    val dir: File = Files.createTempDirectory("corridor-app").toFile()
    override fun strengthener(): KeyStrengthener = HmacKeyStrengthener(ByteArray(32) { 7 })
    override fun dataDir(): File = File(dir, "vault")

    /** Sets up a personal profile and opens it, as the setup screen does. */
    fun setUpAndUnlock(): ProfileSession = runBlocking { corridor.vault.setupPersonal(PIN) }.also {
        unlocked(it)
        background.submit {}.get() // the reconcile that unlocking starts
    }

    /** Waits for the work handed to the background thread, then removes the data. */
    fun finish() {
        background.shutdown()
        background.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)
        runCatching { corridor.close() } // a test may have left a vault that cannot be opened
        dir.deleteRecursively()
    }
}

/** The app module's directory (the Maven property `corridor.app.dir`). */
val appDir: File = File(System.getProperty("corridor.app.dir") ?: error("corridor.app.dir is not set"))

/** The keys of a typed string, as a person presses them ('=' included). */
fun keysOf(typed: String): List<CalculatorKey> = typed.map {
    when (it) {
        in '0'..'9' -> CalculatorKey.Digit((it - '0').toUByte())
        '+' -> CalculatorKey.Add
        '-' -> CalculatorKey.Subtract
        '*' -> CalculatorKey.Multiply
        '/' -> CalculatorKey.Divide
        '.' -> CalculatorKey.Point
        '%' -> CalculatorKey.Percent
        '=' -> CalculatorKey.Equals
        'C' -> CalculatorKey.Clear
        '<' -> CalculatorKey.Backspace
        else -> error("no key for $it")
    }
}

/**
 * The programme's content as a phone gets it: the starter content with a real team key (made
 * by `corridor crt keygen`) for the Zimbabwe team, built, signed and published by the CLI, and
 * served by a real `corridor hub serve`. [phone] is an empty data directory for the phone.
 */
class ProgrammeContent : AutoCloseable {
    val phone: File = Files.createTempDirectory("corridor-app-phone").toFile()
    val hub = TestHub()
    private val programme = TestProgramme(hub) { source -> useZimbabweTeamKey(source, "crt-zimbabwe-app") }

    /** Trusts the shipped root and installs the content, as the Learn screen's update does. */
    fun install(vault: Vault) {
        vault.trustContentRoot(programme.shippedRoot)
        Hub(HubSettings(programme.contentUrl, emptyList(), emptyList())).use { runBlocking { vault.updateContent(it, null) } }
    }

    override fun close() {
        programme.close()
        hub.close()
        phone.deleteRecursively()
    }
}

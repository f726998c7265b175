package org.corridor

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.ClearLabel
import org.corridor.ffi.CorridorException
import org.corridor.ffi.Disguise
import org.corridor.ffi.KeyPressResult
import org.corridor.ffi.NumberFormat
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.covers
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

const val DURESS = "505050"

class DisguiseTest {
    private lateinit var dir: File
    private val strengthener = HmacKeyStrengthener(ByteArray(32) { (it * 3).toByte() })

    @BeforeEach
    fun makeDir() {
        dir = Files.createTempDirectory("corridor-disguise").toFile()
    }

    @AfterEach
    fun removeDir() {
        dir.deleteRecursively()
    }

    private val english = NumberFormat(decimalSeparator = ".", groupingSeparator = ",")

    /** Types [keys] as a shell would, awaiting any PIN attempt; returns the last display and the session opened. */
    private fun Disguise.type(keys: String): Pair<String, ProfileSession?> = runBlocking {
        var last: KeyPressResult? = null
        for (key in keys) {
            val press = pressChar(key.toString())
            last = press
            val session = press.attempt?.outcome()
            if (session != null) return@runBlocking press.display to session
        }
        (last?.display ?: display()) to null
    }

    @Test
    fun `the calculator computes like the reference calculator, key by key`() = runBlocking<Unit> {
        CorridorVault.open(dir, strengthener).use { corridor ->
            val disguise = Disguise(corridor.vault, english)
            assertEquals("0", disguise.display())
            val keys = listOf(CalculatorKey.Digit(2u), CalculatorKey.Add, CalculatorKey.Digit(3u), CalculatorKey.Multiply, CalculatorKey.Digit(4u))
            val shown = keys.map { disguise.press(it).display }
            assertEquals(listOf("2", "2", "3", "3", "4"), shown)
            assertEquals("14", disguise.press(CalculatorKey.Equals).display)
            assertEquals("0.3", disguise.type("C0.1+0.2=").first)
            assertEquals("55", disguise.type("C50+10%=").first)
            assertEquals("Error", disguise.type("C1/0=").first)
            assertEquals("1,234,567", disguise.type("C1234567").first)
            assertEquals(ClearLabel.CLEAR, disguise.press(CalculatorKey.Digit(1u)).clearLabel)
            assertThrows<CorridorException.InvalidInput> { disguise.pressChar("q") }
            assertThrows<CorridorException.InvalidInput> { disguise.press(CalculatorKey.Digit(12u)) }
            val comma = Disguise(corridor.vault, NumberFormat(decimalSeparator = ",", groupingSeparator = " "))
            assertEquals("1 234,5", comma.type("1234.5").first)
        }
    }

    @Test
    fun `the PIN typed into the calculator unlocks, a wrong one shows the number and counts silently`() = runBlocking<Unit> {
        CorridorVault.open(dir, strengthener).use { corridor ->
            corridor.vault.setupPersonal(PIN).settingSet("marker", "real data")
            val disguise = Disguise(corridor.vault, english)
            val (wrongDisplay, none) = disguise.type("111111=")
            assertEquals("111,111", wrongDisplay)
            assertNull(none)
            assertEquals(1u, corridor.status().failedAttempts)
            val (display, session) = disguise.type("C482916=")
            assertEquals("482,916", display)
            assertNotNull(session)
            assertEquals("real data", session!!.settingGet("marker"))
            assertNull(disguise.type("C2+3=").second, "an expression is never an attempt")
        }
    }

    @Test
    fun `the duress PIN opens the decoy and with erase destroys the real profile`() = runBlocking<Unit> {
        CorridorVault.open(dir, strengthener).use { corridor ->
            val person = corridor.vault.setupPersonal(PIN)
            person.settingSet("client_code", "K7QM-4TX9-B2Q")
            val sameAsPin = assertThrows<CorridorException.InvalidInput> { runBlocking { person.setDuressPin(PIN, PIN, true) } }
            assertEquals("duress_pin", sameAsPin.field)
            person.setDuressPin(PIN, DURESS, true)
            assertTrue(person.hasDuressPin())
            person.lock()

            val (display, decoy) = Disguise(corridor.vault, english).type("505050=")
            assertEquals("505,050", display)
            assertNotNull(decoy, "the duress PIN opens the decoy")
            assertNull(decoy!!.settingGet("client_code"))
            assertFalse(decoy.hasDuressPin())
            assertTrue(corridor.unlock(PIN) is UnlockOutcome.WrongPin, "the real profile is gone")
            assertEquals(0, strengthener.forgotten, "duress makes no host call a decoy-only user would not make")
        }
    }

    @Test
    fun `quick delete erases without a PIN and quick exit locks everything`() = runBlocking<Unit> {
        CorridorVault.open(dir, strengthener).use { corridor ->
            val first = corridor.vault.setupPersonal(PIN)
            val second = (corridor.unlock(PIN) as UnlockOutcome.Unlocked).session
            corridor.vault.quickExit()
            assertTrue(first.isLocked() && second.isLocked())
            assertThrows<CorridorException.Locked> { second.settingGet("x") }

            assertEquals(0u, corridor.vault.pendingSessionUploads())
            corridor.vault.quickDelete()
            corridor.vault.quickDelete()
            assertFalse(corridor.status().setUp)
            assertEquals(1, strengthener.forgotten, "the device key was destroyed")
            assertThrows<CorridorException.NotSetUp> { runBlocking { corridor.vault.unlock(PIN, null) } }
            val (display, session) = Disguise(corridor.vault, english).type("482916=")
            assertEquals("482,916", display)
            assertNull(session, "after quick delete the calculator is only a calculator")
        }
    }

    @Test
    fun `covers are data and reveal nothing`() {
        val all = covers()
        assertTrue(all.size >= 2)
        val revealing = Regex("(?i)\\b(hiv|prep|clinic|report|violence|health|sex)\\b")
        for (cover in all) {
            for (text in cover.notificationTexts + cover.history + cover.appLabel) {
                assertFalse(revealing.containsMatchIn(text), "${cover.id}: $text")
            }
        }
        CorridorVault.open(dir, strengthener).use { corridor ->
            assertEquals("calculator", corridor.vault.cover().id)
            runBlocking { corridor.vault.setupPersonal(PIN).chooseCover("budget") }
            assertEquals("Budget", corridor.vault.cover().appLabel)
        }
    }
}

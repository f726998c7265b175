package org.corridor.app

import java.io.File
import java.nio.file.Files
import java.util.Locale
import kotlinx.coroutines.runBlocking
import org.corridor.CorridorVault
import org.corridor.HmacKeyStrengthener
import org.corridor.app.presenter.CalculatorPresenter
import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.ProfileSession
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Before
import org.junit.Test

/** The calculator disguise's presenter over the real core (JNA, on the JVM). */
class CalculatorPresenterTest {
    private lateinit var dir: File
    private lateinit var corridor: CorridorVault
    private val strengthener = HmacKeyStrengthener(ByteArray(32) { 1 })

    @Before
    fun open() {
        dir = Files.createTempDirectory("corridor-calculator").toFile()
        corridor = CorridorVault.open(dir, strengthener)
    }

    @After
    fun close() {
        corridor.close()
        dir.deleteRecursively()
    }

    private fun presenter(locale: Locale = Locale.UK) = CalculatorPresenter(corridor.vault, CalculatorPresenter.formatOf(locale))

    /** Presses [typed]; returns the last display and the profile any PIN attempt opened. */
    private fun CalculatorPresenter.type(typed: String): Pair<String, ProfileSession?> = runBlocking {
        var opened: ProfileSession? = null
        for (key in keysOf(typed)) {
            val press = press(key)
            press.attempt?.let { settle(it) }?.let { opened = it }
        }
        screen.display to opened
    }

    @Test
    fun computesWhatTheKeypadShows() {
        val calculator = presenter()
        assertEquals("0", calculator.screen.display)
        assertEquals("14", calculator.type("2+3*4=").first)
        assertEquals("0.3", calculator.type("C0.1+0.2=").first)
        assertEquals("Error", calculator.type("C1/0=").first)
        assertEquals("1,234,567", calculator.type("C1234567").first)
        assertEquals(CalculatorPresenter.CLEAR_ONE, calculator.screen.clearLabel)
        assertEquals(CalculatorPresenter.CLEAR_ONE, calculator.keypad()[0][0].label)
        assertEquals(CalculatorPresenter.CLEAR_ALL, calculator.press(CalculatorKey.Clear).screen.clearLabel)
        val labels = calculator.keypad().flatten().map { it.label }
        assertEquals(20, labels.size)
        assertTrue(labels.containsAll(listOf("0", "9", "+", "−", "×", "÷", "=", ".", "%")))

        val portuguese = presenter(Locale.forLanguageTag("pt-BR"))
        assertEquals("1.234,5", portuguese.type("1234.5").first)
        assertTrue(portuguese.keypad().flatten().any { it.label == "," && it.key == CalculatorKey.Point })
    }

    @Test
    fun thePinFollowedByEqualsUnlocksAndNothingElseDoes() {
        runBlocking { corridor.vault.setupPersonal(PIN) }.apply {
            settingSet("marker", "real")
            lock()
        }
        val calculator = presenter()
        val (shownForWrong, wrong) = calculator.type("111111=")
        assertEquals("111,111", shownForWrong)
        assertNull("a wrong PIN opens nothing", wrong)
        assertEquals(1u, corridor.vault.status().failedAttempts)

        assertNull("without '=' the PIN is only a number", calculator.type("C$PIN").second)
        assertNull("an expression is never an attempt", calculator.type("C482+916=").second)
        assertNull("a PIN inside a longer number is not the PIN", calculator.type("C${PIN}1=").second)

        val (shown, opened) = calculator.type("C$PIN=")
        assertEquals("the display shows the number, as for any number", "482,916", shown)
        assertNotNull(opened)
        assertEquals("real", opened!!.settingGet("marker"))
        assertFalse(opened.isLocked())
    }

    @Test
    fun theDuressPinOpensTheDecoy() {
        val person = runBlocking { corridor.vault.setupPersonal(PIN) }
        person.settingSet("marker", "real")
        runBlocking { person.setDuressPin(PIN, DURESS, false) }
        person.lock()
        val decoy = presenter().type("$DURESS=").second
        assertNotNull(decoy)
        assertNull(decoy!!.settingGet("marker"))
    }

    @Test
    fun quickDeleteLeavesOnlyACalculator() {
        runBlocking { corridor.vault.setupPersonal(PIN) }.lock()
        val calculator = presenter()
        calculator.type("12+")
        calculator.quickDelete()
        assertEquals("0", calculator.screen.display)
        assertFalse(corridor.vault.status().setUp)
        assertEquals(1, strengthener.forgotten)
        assertNull(calculator.type("$PIN=").second)
        assertEquals("7", calculator.type("C3+4=").first)
    }
}

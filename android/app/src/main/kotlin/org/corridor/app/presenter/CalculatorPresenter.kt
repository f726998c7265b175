package org.corridor.app.presenter

import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.ClearLabel
import org.corridor.ffi.Disguise
import org.corridor.ffi.NumberFormat
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.UnlockAttempt
import org.corridor.ffi.Vault

/** One key of the disguise's keypad: what it shows and what it sends to the core. */
data class CalculatorButton(val label: String, val key: CalculatorKey, val operator: Boolean = false)

/**
 * The calculator disguise. Everything it draws comes from the core's calculator engine; a PIN
 * typed and followed by '=' is tried by the core, and [press] hands the attempt back so the view
 * can await it off the main thread. Nothing on screen differs between a PIN and a number.
 */
class CalculatorPresenter(private val vault: Vault, private val format: NumberFormat) : AutoCloseable {
    private val disguise = Disguise(vault, format)

    /** What the calculator shows now. */
    data class Screen(val display: String, val clearLabel: String)

    /** The result of one key: draw [screen] at once; await [attempt] (if any) in the background. */
    class Press(val screen: Screen, val attempt: UnlockAttempt?)

    var screen: Screen = Screen(disguise.display(), CLEAR_ALL)
        private set

    /** The keypad, row after row (the layout of a phone's standard calculator). */
    fun keypad(): List<List<CalculatorButton>> = listOf(
        listOf(clearButton(), CalculatorButton("±", CalculatorKey.Negate), CalculatorButton("%", CalculatorKey.Percent), CalculatorButton("÷", CalculatorKey.Divide, operator = true)),
        listOf(digit(7), digit(8), digit(9), CalculatorButton("×", CalculatorKey.Multiply, operator = true)),
        listOf(digit(4), digit(5), digit(6), CalculatorButton("−", CalculatorKey.Subtract, operator = true)),
        listOf(digit(1), digit(2), digit(3), CalculatorButton("+", CalculatorKey.Add, operator = true)),
        listOf(digit(0), CalculatorButton(format.decimalSeparator, CalculatorKey.Point), CalculatorButton("⌫", CalculatorKey.Backspace), CalculatorButton("=", CalculatorKey.Equals, operator = true)),
    )

    fun clearButton() = CalculatorButton(screen.clearLabel, CalculatorKey.Clear)

    /** Applies one key; returns at once. */
    fun press(key: CalculatorKey): Press {
        val result = disguise.press(key)
        screen = Screen(result.display, if (result.clearLabel == ClearLabel.CLEAR) CLEAR_ONE else CLEAR_ALL)
        return Press(screen, result.attempt)
    }

    /** Awaits a PIN attempt: the profile it opened, or null (the calculator carries on). */
    suspend fun settle(attempt: UnlockAttempt): ProfileSession? = attempt.outcome()

    /** Quick delete from the disguise: erases everything without a PIN, then is a calculator. */
    fun quickDelete() {
        vault.quickDelete()
        screen = Screen(disguise.press(CalculatorKey.Clear).display, CLEAR_ALL)
    }

    override fun close() = disguise.close()

    private fun digit(value: Int) = CalculatorButton(value.toString(), CalculatorKey.Digit(value.toUByte()))

    companion object {
        const val CLEAR_ALL = "AC"
        const val CLEAR_ONE = "C"

        /** The number format of a locale's decimal symbols (grouping is always shown, as phones do). */
        fun formatOf(locale: java.util.Locale): NumberFormat {
            val symbols = java.text.DecimalFormatSymbols.getInstance(locale)
            return NumberFormat(symbols.decimalSeparator.toString(), symbols.groupingSeparator.toString())
        }
    }
}

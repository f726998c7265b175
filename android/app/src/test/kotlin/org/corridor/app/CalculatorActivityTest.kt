package org.corridor.app

import android.os.Looper
import android.os.SystemClock
import android.view.MotionEvent
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.TextView
import java.time.Duration
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * The disguise as a person uses it (Robolectric, real core): keys tapped on the screen, the PIN
 * and '=' open Home, a wrong PIN leaves a calculator showing the number, and holding the display
 * for three seconds erases everything, after which the app is only a calculator.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class CalculatorActivityTest {
    private val app: TestApp get() = RuntimeEnvironment.getApplication() as TestApp

    @After
    fun cleanUp() = app.finish()

    private fun settle() {
        app.background.submit {}.get()
        shadowOf(Looper.getMainLooper()).idle()
    }

    private class Screen(val activity: CalculatorActivity) {
        val all get() = (activity.window.decorView as ViewGroup).let { root -> collect(root) }
        fun collect(view: View): List<View> =
            if (view is ViewGroup) listOf(view) + (0 until view.childCount).flatMap { collect(view.getChildAt(it)) } else listOf(view)
        fun tap(label: String) = all.filterIsInstance<Button>().single { it.text.toString() == label }.performClick()
        fun tapClear() = all.filterIsInstance<Button>().single { it.text.toString() in setOf("AC", "C") }.performClick()
        fun display(): TextView = all.filterIsInstance<TextView>().filter { it !is Button }.maxBy { it.textSize }
    }

    private fun calculator(): Screen {
        val controller = Robolectric.buildActivity(CalculatorActivity::class.java).setup()
        settle()
        return Screen(controller.get())
    }

    @Test
    fun thePinTappedThenEqualsOpensHomeAndAWrongOneDoesNot() {
        app.setUpAndUnlock()
        app.lockNow()
        val screen = calculator()
        for (key in "111111=") screen.tap(key.toString())
        settle()
        assertEquals("111,111", screen.display().text.toString())
        assertNull(shadowOf(screen.activity).nextStartedActivity)
        assertNull(app.current())

        screen.tapClear()
        for (key in "$PIN=") screen.tap(key.toString())
        settle()
        assertEquals("482,916", screen.display().text.toString())
        val next = shadowOf(screen.activity).nextStartedActivity
        assertEquals(HomeActivity::class.java.name, next.component!!.className)
        assertNotNull(app.current())
    }

    @Test
    fun holdingTheDisplayThreeSecondsErasesAndLeavesOnlyACalculator() {
        app.setUpAndUnlock()
        app.lockNow()
        val screen = calculator()
        val display = screen.display()
        val down = SystemClock.uptimeMillis()
        display.dispatchTouchEvent(MotionEvent.obtain(down, down, MotionEvent.ACTION_DOWN, 10f, 10f, 0))
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(1_000))
        display.dispatchTouchEvent(MotionEvent.obtain(down, down + 1_000, MotionEvent.ACTION_UP, 10f, 10f, 0))
        settle()
        assertTrue("a short hold erases nothing", app.corridor.vault.status().setUp)

        display.dispatchTouchEvent(MotionEvent.obtain(down, down, MotionEvent.ACTION_DOWN, 10f, 10f, 0))
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(CalculatorActivity.QUICK_DELETE_HOLD_MILLIS))
        settle()
        assertFalse("three seconds erase everything", app.corridor.vault.status().setUp)
        assertEquals("0", screen.display().text.toString())

        val again = calculator()
        assertNull("no set-up screen after a quick delete", shadowOf(again.activity).nextStartedActivity)
        assertFalse(again.activity.isFinishing)
        for (key in "$PIN=") again.tap(key.toString())
        settle()
        assertNull(shadowOf(again.activity).nextStartedActivity)
    }

    @Test
    fun aNewPhoneOffersSetUp() {
        val controller = Robolectric.buildActivity(CalculatorActivity::class.java).setup()
        settle()
        assertEquals(SetupActivity::class.java.name, shadowOf(controller.get()).nextStartedActivity.component!!.className)
    }

    @Test
    fun aVaultThatCannotBeOpenedLeavesAWorkingCalculatorNeverACrashOrSetUp() {
        // Damaged storage: where the vault's directory should be there is a file of garbage.
        app.dir.mkdirs()
        java.io.File(app.dir, "vault").writeBytes(ByteArray(64) { 0x5a })
        assertTrue("the vault really cannot be read", runCatching { app.corridor.vault.status() }.isFailure)

        val screen = calculator()
        assertFalse(screen.activity.isFinishing)
        assertNull("no set-up screen over data that may still be there", shadowOf(screen.activity).nextStartedActivity)
        for (key in "12+30=") screen.tap(key.toString())
        settle()
        assertEquals("42", screen.display().text.toString())
        screen.tapClear()
        for (key in "$PIN=") screen.tap(key.toString())
        settle()
        assertNull("a PIN opens nothing", shadowOf(screen.activity).nextStartedActivity)
        assertNull(app.current())
    }
}

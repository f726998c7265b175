package org.corridor.app

import android.app.Activity
import android.text.InputType
import android.view.View
import android.view.ViewGroup
import android.view.WindowManager
import android.widget.Button
import android.widget.EditText
import org.robolectric.RuntimeEnvironment
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * Every activity the manifest declares sets FLAG_SECURE on its window, locked and unlocked, and
 * keeps its content out of autofill (no "save password?" window); a screen behind the PIN opened
 * while locked goes straight back to the calculator; PIN and password fields are never saved in
 * the instance state and are emptied after each attempt and when the screen stops.
 * Built in code, so no compiled resources are needed.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class SecureWindowsTest {
    private val app: TestApp get() = RuntimeEnvironment.getApplication() as TestApp

    @After
    fun cleanUp() = app.finish()

    private fun secure(activity: Activity): Boolean =
        activity.window.attributes.flags and WindowManager.LayoutParams.FLAG_SECURE != 0

    @Suppress("UNCHECKED_CAST")
    private fun launch(name: String): Activity {
        val controller = Robolectric.buildActivity(Class.forName(name) as Class<Activity>).setup()
        settle()
        return controller.get()
    }

    /** Lets the work handed to the background thread finish and its results be drawn. */
    private fun settle() {
        repeat(3) {
            app.background.submit {}.get()
            shadowOf(android.os.Looper.getMainLooper()).idle()
        }
    }

    private fun views(view: View): List<View> =
        if (view is ViewGroup) listOf(view) + (0 until view.childCount).flatMap { views(view.getChildAt(it)) } else listOf(view)

    private fun secretFields(activity: Activity): List<EditText> = views(activity.window.decorView).filterIsInstance<EditText>()
        .filter { it.inputType and InputType.TYPE_MASK_VARIATION in setOf(InputType.TYPE_TEXT_VARIATION_PASSWORD, InputType.TYPE_NUMBER_VARIATION_PASSWORD) }

    private fun noAutofill(activity: Activity): Boolean {
        val exclude = View.IMPORTANT_FOR_AUTOFILL_NO_EXCLUDE_DESCENDANTS
        val content = activity.findViewById<ViewGroup>(android.R.id.content).getChildAt(0)
        return activity.window.decorView.importantForAutofill == exclude && content.importantForAutofill == exclude
    }

    @Test
    fun everyActivityIsSecureWhileUnlocked() {
        app.setUpAndUnlock()
        val activities = declaredActivities()
        assertTrue(activities.size >= 10)
        var secrets = 0
        for (name in activities) {
            val activity = launch(name)
            assertTrue("$name sets FLAG_SECURE", secure(activity))
            if (!activity.isFinishing) assertTrue("$name keeps its content out of autofill", noAutofill(activity))
            for (field in secretFields(activity)) {
                assertFalse("$name: a secret field is not saved in the instance state", field.isSaveEnabled)
                secrets++
            }
        }
        assertTrue("the PIN, duress PIN and hub password fields were seen: $secrets", secrets >= 5)
    }

    @Test
    fun everyActivityIsSecureWhileLockedAndScreensBehindThePinLeave() {
        app.setUpAndUnlock()
        app.lockNow()
        for (name in declaredActivities()) {
            val activity = launch(name)
            assertTrue("$name sets FLAG_SECURE", secure(activity))
            val behindPin = name !in setOf(
                CalculatorActivity::class.java.name, SetupActivity::class.java.name, EducatorLoginActivity::class.java.name,
            )
            if (behindPin) {
                assertTrue("$name closes while locked", activity.isFinishing)
                val next = shadowOf(activity).nextStartedActivity
                assertEquals(CalculatorActivity::class.java.name, next.component!!.className)
            }
        }
    }

    @Test
    fun theCalculatorIsAllThatShowsBeforeUnlock() {
        app.setUpAndUnlock()
        app.lockNow()
        val calculator = launch(CalculatorActivity::class.java.name)
        assertTrue(!calculator.isFinishing)
        val keys = views(calculator.window.decorView).filterIsInstance<Button>().map { it.text.toString() }
        assertTrue("the keypad is drawn: $keys", keys.containsAll(listOf("7", "8", "9", "=", "AC")))
        assertTrue(noAutofill(calculator))
        assertEquals("nothing else was opened", null, shadowOf(calculator).nextStartedActivity)
    }

    @Test
    fun pinFieldsAreEmptiedAfterEachAttemptAndWhenTheScreenStops() {
        app.setUpAndUnlock()
        val controller = Robolectric.buildActivity(SettingsActivity::class.java).setup()
        settle()
        val settings = controller.get()
        val (current, new, repeat) = secretFields(settings)
        current.setText("111111")
        new.setText("135790")
        repeat.setText("135790")
        views(settings.window.decorView).filterIsInstance<Button>().first { it.text.toString() == org.corridor.app.text.T.pin_change.en }.performClick()
        settle()
        assertEquals("a failed change empties every PIN field", listOf("", "", ""), listOf(current, new, repeat).map { it.text.toString() })
        current.setText("482916")
        controller.pause().stop()
        assertEquals("leaving the screen empties it", "", current.text.toString())

        app.lockNow()
        val login = Robolectric.buildActivity(SetupActivity::class.java).setup()
        settle()
        val (pin, again) = secretFields(login.get())
        pin.setText("135790")
        again.setText("135791")
        views(login.get().window.decorView).filterIsInstance<Button>().first { it.text.toString() == org.corridor.app.text.T.setup_personal.en }.performClick()
        assertEquals("a mismatch empties both", listOf("", ""), listOf(pin, again).map { it.text.toString() })
    }
}

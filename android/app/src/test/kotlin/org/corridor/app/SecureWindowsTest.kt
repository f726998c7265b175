package org.corridor.app

import android.app.Activity
import android.view.WindowManager
import org.robolectric.RuntimeEnvironment
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * Every activity the manifest declares sets FLAG_SECURE on its window, locked and unlocked,
 * and a screen behind the PIN opened while locked goes straight back to the calculator.
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
        shadowOf(android.os.Looper.getMainLooper()).idle()
        return controller.get()
    }

    @Test
    fun everyActivityIsSecureWhileUnlocked() {
        app.setUpAndUnlock()
        val activities = declaredActivities()
        assertTrue(activities.size >= 10)
        for (name in activities) {
            val activity = launch(name)
            assertTrue("$name sets FLAG_SECURE", secure(activity))
        }
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
        assertNotEquals(null, calculator.window.decorView)
        assertEquals("nothing else was opened", null, shadowOf(calculator).nextStartedActivity)
    }
}

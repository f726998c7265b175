package org.corridor.app

import android.app.Activity
import android.os.Looper
import android.text.InputType
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.RadioButton
import android.widget.RadioGroup
import org.corridor.app.text.T
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

/**
 * Fields as a person meets them (Robolectric, real core): the report's contact number takes a
 * phone number with its '+', and a choice of one (the disguise, the auto-lock time) is one group
 * of radio buttons, where picking one unpicks the other.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = TestApp::class)
class FormFieldsTest {
    private val app: TestApp get() = RuntimeEnvironment.getApplication() as TestApp

    @After
    fun cleanUp() = app.finish()

    private fun settle() {
        repeat(3) {
            app.background.submit {}.get()
            shadowOf(Looper.getMainLooper()).idle()
        }
    }

    private fun views(view: View): List<View> =
        if (view is ViewGroup) listOf(view) + (0 until view.childCount).flatMap { views(view.getChildAt(it)) } else listOf(view)

    private fun <A : Activity> open(type: Class<A>): A = Robolectric.buildActivity(type).setup().get().also { settle() }

    @Test
    fun theContactNumberTakesAPhoneNumber() {
        app.setUpAndUnlock()
        val report = open(ReportActivity::class.java)
        views(report.window.decorView).filterIsInstance<Button>().first { it.text.toString() == T.report_full.en }.performClick()
        val number = views(report.window.decorView).filterIsInstance<EditText>().single { it.hint.toString() == T.full_contact_number.en }
        assertEquals(InputType.TYPE_CLASS_PHONE, number.inputType and InputType.TYPE_MASK_CLASS)
    }

    @Test
    fun theDisguiseAndTheAutoLockTimeAreOneChoiceEach() {
        app.setUpAndUnlock()
        val settings = open(SettingsActivity::class.java)
        val all = views(settings.window.decorView)
        val cover = all.filterIsInstance<RadioButton>().filter { it.text.toString() in setOf(T.cover_calculator.en, T.cover_budget.en) }
        assertEquals(2, cover.size)
        assertTrue("the covers share one group", cover.all { it.parent === cover[0].parent && it.parent is RadioGroup })
        assertEquals("one cover is chosen", 1, cover.count { it.isChecked })
        val minutes = all.filterIsInstance<RadioButton>().filter { it.parent !== cover[0].parent }
        assertTrue("the auto-lock choices: ${minutes.size}", minutes.size >= 2 && minutes.all { it.parent === minutes[0].parent })
        val unpicked = minutes.first { !it.isChecked }
        unpicked.performClick()
        assertEquals("picking one time unpicks the other", listOf(unpicked), minutes.filter { it.isChecked })
        assertTrue("no check boxes stand for a single choice", all.filterIsInstance<CheckBox>().none { it.text.toString() in setOf(T.cover_calculator.en, T.cover_budget.en) })
    }
}

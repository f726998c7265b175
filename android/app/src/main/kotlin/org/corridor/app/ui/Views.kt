package org.corridor.app.ui

import android.content.Context
import android.graphics.Typeface
import android.text.InputType
import android.util.TypedValue
import android.view.Gravity
import android.view.View
import android.view.ViewGroup
import android.widget.Button
import android.widget.CheckBox
import android.widget.EditText
import android.widget.LinearLayout
import android.widget.RadioButton
import android.widget.RadioGroup
import android.widget.ScrollView
import android.widget.TextView

/**
 * Framework views built in code: one column that scrolls, large type and touch targets of at
 * least 56 dp, so every screen works on small, inexpensive phones.
 */
class Column(val context: Context) {
    val layout = LinearLayout(context).apply {
        orientation = LinearLayout.VERTICAL
        val pad = dp(16)
        setPadding(pad, pad, pad, pad)
    }
    val root: View = ScrollView(context).apply { addView(layout) }

    fun dp(value: Int): Int =
        TypedValue.applyDimension(TypedValue.COMPLEX_UNIT_DIP, value.toFloat(), context.resources.displayMetrics).toInt()

    private fun <V : View> add(view: V): V {
        layout.addView(view, LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT).apply {
            topMargin = dp(6)
            bottomMargin = dp(6)
        })
        return view
    }

    fun <V : View> view(view: V): V = add(view)

    fun title(text: String): TextView = add(TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 24f)
        setTypeface(typeface, Typeface.BOLD)
    })

    fun heading(text: String): TextView = add(TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
        setTypeface(typeface, Typeface.BOLD)
    })

    fun text(text: CharSequence): TextView = add(TextView(context).apply {
        this.text = text
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
    })

    fun button(text: String, onClick: () -> Unit): Button = add(Button(context).apply {
        this.text = text
        isAllCaps = false
        minHeight = dp(56)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
        setOnClickListener { onClick() }
    })

    /** The fields holding a PIN, a password or a recovery secret: [clearSecrets] empties them. */
    private val secrets = mutableListOf<EditText>()

    fun clearSecrets() = secrets.forEach { it.text.clear() }

    /**
     * A text field. A [secret] one (PIN, password, recovery secret) is masked, never saved in
     * the instance state (`isSaveEnabled = false`) and emptied by [clearSecrets]; read it with
     * [take], which empties it. A [phone] field takes a phone number, `+` included.
     */
    fun field(
        hint: String, secret: Boolean = false, digits: Boolean = false, lines: Int = 1, phone: Boolean = false,
    ): EditText = add(EditText(context).apply {
        this.hint = hint
        minHeight = dp(56)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
        // No suggestions and no learning: nothing typed here may end up in the keyboard's memory.
        imeOptions = imeOptions or android.view.inputmethod.EditorInfo.IME_FLAG_NO_PERSONALIZED_LEARNING
        if (secret) {
            isSaveEnabled = false
            secrets += this
        }
        inputType = when {
            phone -> InputType.TYPE_CLASS_PHONE
            secret && digits -> InputType.TYPE_CLASS_NUMBER or InputType.TYPE_NUMBER_VARIATION_PASSWORD
            secret -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_VARIATION_PASSWORD
            digits -> InputType.TYPE_CLASS_NUMBER
            lines > 1 -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_MULTI_LINE or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
            else -> InputType.TYPE_CLASS_TEXT or InputType.TYPE_TEXT_FLAG_NO_SUGGESTIONS
        }
        if (lines > 1) {
            minLines = lines
            gravity = Gravity.TOP or Gravity.START
        }
    })

    fun check(text: String, checked: Boolean = false): CheckBox = add(CheckBox(context).apply {
        this.text = text
        isChecked = checked
        minHeight = dp(56)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
    })

    /**
     * One choice among [labels] (radio buttons in one group), [selected] checked at first;
     * [onPick] gets the index the person picks.
     */
    fun choices(labels: List<String>, selected: Int? = null, onPick: (Int) -> Unit = {}): RadioGroup = add(RadioGroup(context).apply {
        orientation = RadioGroup.VERTICAL
        labels.forEachIndexed { index, label ->
            val button = RadioButton(context).apply {
                id = View.generateViewId()
                text = label
                minHeight = dp(56)
                setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
            }
            addView(button)
            if (index == selected) check(button.id)
        }
        setOnCheckedChangeListener { group, id -> if (id != -1) onPick(group.indexOfChild(group.findViewById(id))) }
    })

    fun clear() {
        secrets.clear()
        layout.removeAllViews()
    }
}

/** The index of the checked choice of a [Column.choices] group, or null. */
fun RadioGroup.picked(): Int? = (0 until childCount).firstOrNull { (getChildAt(it) as RadioButton).isChecked }

/** What the field holds, emptying it: a PIN or password stays in a field no longer than one attempt. */
fun EditText.take(): String = text.toString().also { text.clear() }

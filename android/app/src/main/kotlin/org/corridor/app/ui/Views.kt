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

    fun field(hint: String, secret: Boolean = false, digits: Boolean = false, lines: Int = 1): EditText = add(EditText(context).apply {
        this.hint = hint
        minHeight = dp(56)
        setTextSize(TypedValue.COMPLEX_UNIT_SP, 18f)
        // No suggestions and no learning: nothing typed here may end up in the keyboard's memory.
        imeOptions = imeOptions or android.view.inputmethod.EditorInfo.IME_FLAG_NO_PERSONALIZED_LEARNING
        inputType = when {
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

    fun clear() = layout.removeAllViews()
}

package org.corridor.app

import android.annotation.SuppressLint
import android.content.Intent
import android.graphics.Color
import android.os.Handler
import android.os.Looper
import android.util.TypedValue
import android.view.Gravity
import android.view.MotionEvent
import android.widget.Button
import android.widget.LinearLayout
import android.widget.TextView
import org.corridor.app.presenter.CalculatorPresenter
import org.corridor.ffi.CalculatorKey
import org.corridor.ffi.DeviceKind
import org.corridor.ffi.ProfileSession

/**
 * The disguise and the launcher's target: a working calculator drawn from the core's engine.
 * A PIN typed and followed by '=' opens the app; holding the display for three seconds is the
 * quick delete. Nothing on screen differs between a number and a PIN, right or wrong.
 */
class CalculatorActivity : SecureActivity() {
    override val needsUnlock = false
    private lateinit var presenter: CalculatorPresenter
    private lateinit var display: TextView
    private lateinit var clear: Button
    private val hold = Handler(Looper.getMainLooper())

    override fun create(session: ProfileSession?) {
        column.root.setBackgroundColor(Color.BLACK)
        // Opening the vault reads storage: off the main thread. Whatever fails there, the
        // disguise stays a working calculator, never a crash and never the set-up screen.
        work({ start() }) { result ->
            val start = result.getOrNull() ?: return@work
            when (start) {
                is Start.Setup -> {
                    startActivity(Intent(this, SetupActivity::class.java))
                    finish()
                }
                is Start.Educator -> {
                    startActivity(Intent(this, EducatorLoginActivity::class.java))
                    finish()
                }
                is Start.Calculator -> {
                    presenter = start.presenter
                    setContentView(build(start.history))
                }
            }
        }
    }

    private sealed class Start {
        object Setup : Start()
        object Educator : Start()
        class Calculator(val presenter: CalculatorPresenter, val history: String) : Start()
    }

    /** Runs on the background thread: opens the vault and decides what the launcher shows. */
    private fun start(): Start {
        val format = CalculatorPresenter.formatOf(resources.configuration.locales[0])
        val vault = runCatching { app.corridor.vault }.getOrNull()
        val opened = vault?.let { runCatching { it.status() to CalculatorPresenter(it, format) }.getOrNull() }
        if (opened == null) {
            // The vault cannot be read (damaged storage): a calculator on an empty vault of its own.
            return Start.Calculator(CalculatorPresenter(app.plainCalculator.vault, format), "")
        }
        val (status, presenter) = opened
        if (!status.setUp && app.offerSetup()) return presenter.close().let { Start.Setup }
        if (status.kind == DeviceKind.EDUCATOR) return presenter.close().let { Start.Educator }
        val history = runCatching { vault.cover().history.takeLast(3).joinToString("\n") }.getOrDefault("")
        return Start.Calculator(presenter, history)
    }

    @SuppressLint("ClickableViewAccessibility")
    private fun build(lines: String): LinearLayout {
        val root = LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            setBackgroundColor(Color.BLACK)
        }
        val history = TextView(this).apply {
            text = lines
            setTextColor(Color.GRAY)
            gravity = Gravity.END or Gravity.BOTTOM
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 20f)
        }
        root.addView(history, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1f))
        display = TextView(this).apply {
            text = presenter.screen.display
            setTextColor(Color.WHITE)
            gravity = Gravity.END or Gravity.CENTER_VERTICAL
            setTextSize(TypedValue.COMPLEX_UNIT_SP, 56f)
            maxLines = 1
            val pad = column.dp(16)
            setPadding(pad, 0, pad, 0)
            setOnTouchListener { _, event ->
                when (event.actionMasked) {
                    MotionEvent.ACTION_DOWN -> hold.postDelayed(::quickDelete, QUICK_DELETE_HOLD_MILLIS)
                    MotionEvent.ACTION_UP, MotionEvent.ACTION_CANCEL -> hold.removeCallbacksAndMessages(null)
                }
                true
            }
        }
        root.addView(display, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, column.dp(96)))
        for (row in presenter.keypad()) {
            val line = LinearLayout(this).apply { orientation = LinearLayout.HORIZONTAL }
            for (button in row) {
                val view = Button(this).apply {
                    text = button.label
                    setTextSize(TypedValue.COMPLEX_UNIT_SP, 28f)
                    setTextColor(if (button.operator) Color.rgb(255, 159, 10) else Color.WHITE)
                    setBackgroundColor(Color.rgb(40, 40, 40))
                    minHeight = column.dp(64)
                    setOnClickListener { press(button.key) }
                }
                if (button.key == CalculatorKey.Clear) clear = view
                line.addView(view, LinearLayout.LayoutParams(0, LinearLayout.LayoutParams.MATCH_PARENT, 1f).apply {
                    setMargins(2, 2, 2, 2)
                })
            }
            root.addView(line, LinearLayout.LayoutParams(LinearLayout.LayoutParams.MATCH_PARENT, 0, 1.2f))
        }
        return root
    }

    private fun press(key: CalculatorKey) {
        if (!::presenter.isInitialized) return
        val press = runCatching { presenter.press(key) }.getOrNull() ?: return
        display.text = press.screen.display
        clear.text = press.screen.clearLabel
        val attempt = press.attempt ?: return
        work({ presenter.settle(attempt) }) { result ->
            val session = result.getOrNull() ?: return@work
            app.unlocked(session)
            startActivity(Intent(this, HomeActivity::class.java))
            finish()
        }
    }

    private fun quickDelete() {
        if (!::presenter.isInitialized) return
        app.background.execute {
            runCatching { presenter.quickDelete() }
            app.erased()
            runOnUiThread {
                display.text = presenter.screen.display
                clear.text = presenter.screen.clearLabel
            }
        }
    }

    override fun onDestroy() {
        hold.removeCallbacksAndMessages(null)
        if (::presenter.isInitialized) presenter.close()
        super.onDestroy()
    }

    companion object {
        const val QUICK_DELETE_HOLD_MILLIS = 3_000L
    }
}

package org.corridor.app

import android.app.Activity
import android.content.Intent
import android.os.Build
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.view.View
import android.view.WindowManager
import kotlinx.coroutines.runBlocking
import org.corridor.app.presenter.Message
import org.corridor.app.presenter.messageOf
import org.corridor.app.text.Language
import org.corridor.app.text.T
import org.corridor.app.ui.Column
import org.corridor.ffi.ProfileSession

/** No screenshots, no screen recording, blank in recents: set on the window before anything is drawn. */
object Secure {
    fun apply(activity: Activity) {
        activity.window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) activity.setRecentsScreenshotEnabled(false)
    }
}

/**
 * Every screen of the app: the window is secure, its content is excluded from autofill (no
 * "save password?" window for a PIN, a recovery secret, a password or a report), screens behind the PIN go back to the disguise
 * as soon as the profile is locked (auto-lock, quick exit, leaving the app), and work that
 * touches storage or the network runs on the app's background thread.
 * No dialogs, toasts or popups: each is a window of its own that FLAG_SECURE would not cover.
 */
abstract class SecureActivity : Activity() {
    protected val app: CorridorApp get() = application as CorridorApp
    protected val language: Language get() = Language.of(resources.configuration.locales[0])
    protected open val needsUnlock: Boolean = true
    protected lateinit var column: Column
    private val ticker = Handler(Looper.getMainLooper())
    private val lockCheck = object : Runnable {
        override fun run() {
            if (needsUnlock && app.current() == null) toDisguise() else ticker.postDelayed(this, 10_000)
        }
    }

    protected fun s(text: T, vararg args: Any): String = text.text(language, *args)
    protected fun say(message: Message): String = message.render(language)

    final override fun onCreate(savedInstanceState: Bundle?) {
        Secure.apply(this)
        super.onCreate(savedInstanceState)
        column = Column(this)
        val session = app.current()
        if (needsUnlock && session == null) {
            toDisguise()
            return
        }
        setContentView(column.root)
        create(session)
    }

    /** Every content view is excluded from autofill, with everything in it. */
    override fun setContentView(view: View) {
        view.importantForAutofill = View.IMPORTANT_FOR_AUTOFILL_NO_EXCLUDE_DESCENDANTS
        window.decorView.importantForAutofill = View.IMPORTANT_FOR_AUTOFILL_NO_EXCLUDE_DESCENDANTS
        super.setContentView(view)
    }

    /** Leaving the screen empties every PIN and password field. */
    override fun onStop() {
        if (::column.isInitialized) column.clearSecrets()
        super.onStop()
    }

    /** Builds the screen; [session] is null only for screens shown before unlock. */
    protected abstract fun create(session: ProfileSession?)

    override fun onResume() {
        super.onResume()
        lockCheck.run()
    }

    override fun onPause() {
        super.onPause()
        ticker.removeCallbacks(lockCheck)
    }

    override fun onUserInteraction() {
        super.onUserInteraction()
        app.current()?.let { runCatching { it.touch() } }
    }

    /** Back to the calculator, the only screen shown while locked. */
    protected fun toDisguise() {
        startActivity(Intent(this, CalculatorActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TASK))
        finish()
    }

    /** Runs [task] off the main thread (suspending calls included), then [done] with its result. */
    protected fun <V> work(task: suspend () -> V, done: (Result<V>) -> Unit) {
        app.background.execute {
            val result = runCatching { runBlocking { task() } }
            runOnUiThread { if (!isFinishing && !isDestroyed) done(result) }
        }
    }

    /** [work], showing a core error as its message in [column] instead of a crash. */
    protected fun <V> workOrSay(task: suspend () -> V, done: (V) -> Unit) =
        work(task) { result -> result.fold(done) { column.text(say(messageOf(it))) } }
}

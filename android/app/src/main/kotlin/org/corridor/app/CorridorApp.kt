package org.corridor.app

import android.app.Activity
import android.app.Application
import android.os.Bundle
import java.io.File
import java.util.concurrent.Executors
import org.corridor.CorridorVault
import org.corridor.app.platform.AlarmScheduler
import org.corridor.app.platform.KeystoreStrengthener
import org.corridor.app.platform.Notifications
import org.corridor.app.platform.SyncJobs
import org.corridor.ffi.KeyStrengthener
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.Reminders

/**
 * The process: the one vault (in the no-backup directory), the profile session while unlocked,
 * the alarm scheduler the core reconciles, and the rule that leaving the app locks it.
 */
open class CorridorApp : Application() {
    /** The device-bound key: the Android Keystore (tests on the JVM give an in-memory HMAC key). */
    protected open fun strengthener(): KeyStrengthener = KeystoreStrengthener(this)

    protected open fun dataDir(): File = File(noBackupFilesDir, "vault")

    val scheduler: AlarmScheduler by lazy { AlarmScheduler(this, AlarmScheduler.recordIn(this)) }

    /**
     * The vault; opening it reads storage, so the first use is on [background] (the calculator
     * opens it there). Opening throws when the data cannot be read; the next use tries again.
     */
    val corridor: CorridorVault by lazy {
        dataDir().mkdirs()
        CorridorVault.open(dataDir(), ErasingStrengthener(strengthener())).also {
            // Quick delete and the wipe cancel every notification through it before erasing.
            it.vault.setNotificationScheduler(scheduler)
        }
    }

    /**
     * A vault with no profile in an empty directory of its own, for the calculator alone when
     * the real vault cannot be opened: the disguise keeps working (a PIN opens nothing) and
     * never offers setup over data that may still be there.
     */
    val plainCalculator: CorridorVault by lazy {
        val dir = File(noBackupFilesDir, "c").apply { mkdirs() }
        CorridorVault.open(dir, strengthener())
    }

    /**
     * The core calls forget() only when everything is erased (quick delete, wipe after failed
     * PINs): the notifications already posted go with it.
     */
    private inner class ErasingStrengthener(private val inner: KeyStrengthener) : KeyStrengthener {
        override fun strengthen(input: ByteArray): ByteArray = inner.strengthen(input)
        override fun forget() {
            Notifications.cancelAll(this@CorridorApp)
            inner.forget()
        }
    }

    /** One background thread for calls into the core that touch storage or the network. */
    val background = Executors.newSingleThreadExecutor()

    @Volatile private var session: ProfileSession? = null
    private var started = 0

    override fun onCreate() {
        super.onCreate()
        Notifications.ensureChannel(this)
        SyncJobs.schedulePeriodic(this)
        registerActivityLifecycleCallbacks(Foreground())
    }

    /** The unlocked profile, or null once it locked itself (auto-lock) or was locked. */
    fun current(): ProfileSession? = session?.takeUnless { it.isLocked() }

    /** A PIN opened [opened]: keep it and bring the notifications to the unlocked plan. */
    fun unlocked(opened: ProfileSession) {
        session = opened
        // Opening the app clears what it posted, after any PIN alike (so a duress PIN that erased
        // the real profile leaves none of its notifications, and looks like any other unlock).
        Notifications.cancelAll(this)
        background.execute { runCatching { Reminders(opened).reconcile(scheduler) } }
    }

    /**
     * After a quick delete the app stays a calculator: setup is offered only on a phone where
     * nothing was ever erased (the marker holds no data, only that setup is not to be offered).
     */
    fun offerSetup(): Boolean = !File(noBackupFilesDir, "d").exists()

    fun erased() {
        session = null
        Notifications.cancelAll(this)
        File(noBackupFilesDir, "d").writeText("")
    }

    /** Quick exit: every session locked at once, keys dropped. */
    fun lockNow() {
        session = null
        runCatching { corridor.vault.quickExit() }
    }

    /** Leaving the app (not a rotation) locks it. */
    private inner class Foreground : ActivityLifecycleCallbacks {
        override fun onActivityStarted(activity: Activity) {
            started++
        }

        override fun onActivityStopped(activity: Activity) {
            started--
            if (started <= 0 && !activity.isChangingConfigurations && session != null) lockNow()
        }

        override fun onActivityCreated(activity: Activity, state: Bundle?) = Unit
        override fun onActivityResumed(activity: Activity) = Unit
        override fun onActivityPaused(activity: Activity) = Unit
        override fun onActivitySaveInstanceState(activity: Activity, state: Bundle) = Unit
        override fun onActivityDestroyed(activity: Activity) = Unit
    }
}

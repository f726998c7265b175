package org.corridor.app.platform

import android.app.AlarmManager
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import org.corridor.app.CorridorApp

/**
 * After a reboot AlarmManager has forgotten every alarm: the record is cleared and the core
 * reconciles from the locked plan (no PIN; covert texts only). A change of clock or zone
 * reconciles too. When the person grants exact alarms, the inexact ones are replaced by exact
 * ones (cancelled, then scheduled again from the locked plan; the explicit wording returns at
 * the next unlock). Runs off the main thread with goAsync.
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val rebooted = intent.action == Intent.ACTION_BOOT_COMPLETED
        val exactGranted = intent.action == AlarmManager.ACTION_SCHEDULE_EXACT_ALARM_PERMISSION_STATE_CHANGED
        if (!rebooted && !exactGranted && intent.action !in RECONCILE_ON) return
        val app = context.applicationContext as CorridorApp
        val pending: PendingResult? = goAsync() // null when called outside a delivered broadcast (tests)
        app.background.execute {
            try {
                if (exactGranted) app.scheduler.pending().forEach { runCatching { app.scheduler.cancel(it) } }
                reconcile(app, rebooted)
            } finally {
                pending?.finish()
            }
        }
    }

    companion object {
        private val RECONCILE_ON = setOf(Intent.ACTION_TIME_CHANGED, Intent.ACTION_TIMEZONE_CHANGED, Intent.ACTION_MY_PACKAGE_REPLACED)

        /** The work of the receiver; returns what the core did, or null when there is no profile. */
        fun reconcile(app: CorridorApp, rebooted: Boolean): org.corridor.ffi.ReconcileResult? {
            if (rebooted) app.scheduler.forgetAll()
            val vault = runCatching { app.corridor.vault }.getOrNull() ?: return null
            if (runCatching { vault.status().setUp }.getOrDefault(false).not()) return null
            return runCatching { vault.reconcileLocked(app.scheduler) }.getOrNull()
        }
    }
}

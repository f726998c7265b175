package org.corridor.app.platform

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import org.corridor.app.CorridorApp

/**
 * After a reboot AlarmManager has forgotten every alarm: the record is cleared and the core
 * reconciles from the locked plan (no PIN; covert texts only). A change of clock or zone
 * reconciles too. Runs off the main thread with goAsync.
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val rebooted = intent.action == Intent.ACTION_BOOT_COMPLETED
        if (!rebooted && intent.action !in RECONCILE_ON) return
        val app = context.applicationContext as CorridorApp
        val pending = goAsync()
        app.background.execute {
            try {
                reconcile(app, rebooted)
            } finally {
                pending.finish()
            }
        }
    }

    companion object {
        private val RECONCILE_ON = setOf(Intent.ACTION_TIME_CHANGED, Intent.ACTION_TIMEZONE_CHANGED, Intent.ACTION_MY_PACKAGE_REPLACED)

        /** The work of the receiver; returns what the core did, or null when there is no profile. */
        fun reconcile(app: CorridorApp, rebooted: Boolean): org.corridor.ffi.ReconcileResult? {
            if (rebooted) AlarmScheduler.recordIn(app).clear()
            val vault = app.corridor.vault
            if (runCatching { vault.status().setUp }.getOrDefault(false).not()) return null
            return runCatching { vault.reconcileLocked(app.scheduler) }.getOrNull()
        }
    }
}

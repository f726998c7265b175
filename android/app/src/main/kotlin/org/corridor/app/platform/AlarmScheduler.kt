package org.corridor.app.platform

import android.app.AlarmManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.net.Uri
import android.os.Build
import java.io.File
import org.corridor.ffi.NotificationScheduler
import org.corridor.ffi.ScheduledNotification

/**
 * The core's notification scheduler on Android: one AlarmManager alarm per planned
 * notification, delivered to [AlarmReceiver], which posts it. Exact alarms only when the
 * person granted the exact-alarm permission (Android 14 denies it by default); otherwise an
 * inexact window of [WINDOW_MILLIS] starting at the planned time. AlarmManager cannot list what
 * is pending, so the ids scheduled are kept in a [ScheduleRecord].
 */
class AlarmScheduler(private val context: Context, private val record: ScheduleRecord) : NotificationScheduler {
    private val alarms: AlarmManager = context.getSystemService(AlarmManager::class.java)

    override fun schedule(notification: ScheduledNotification) {
        val at = notification.fireAtUnix * 1000
        val operation = operation(notification.id, notification)
        if (exactAllowed()) {
            alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, operation)
        } else {
            alarms.setWindow(AlarmManager.RTC_WAKEUP, at, WINDOW_MILLIS, operation)
        }
        record.add(notification.id)
    }

    override fun cancel(id: String) {
        alarms.cancel(operation(id, null))
        record.remove(id)
    }

    override fun pending(): List<String> = record.ids()

    override fun maxPending(): UInt = MAX_PENDING

    /** Whether exact alarms may be set (always before Android 12; after, only if granted). */
    fun exactAllowed(): Boolean = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()

    /**
     * The alarm's intent: told apart by its data (the opaque id), which is what AlarmManager
     * compares when cancelling; the texts travel as extras.
     */
    private fun operation(id: String, notification: ScheduledNotification?): PendingIntent {
        val intent = Intent(context, AlarmReceiver::class.java)
            .setAction(AlarmReceiver.ACTION)
            .setData(Uri.fromParts(AlarmReceiver.SCHEME, id, null))
        if (notification != null) {
            intent.putExtra(AlarmReceiver.EXTRA_ID, notification.id)
                .putExtra(AlarmReceiver.EXTRA_TITLE, notification.title)
                .putExtra(AlarmReceiver.EXTRA_BODY, notification.body)
                .putExtra(AlarmReceiver.EXTRA_PRIVATE_TITLE, notification.privateTitle)
                .putExtra(AlarmReceiver.EXTRA_PRIVATE_BODY, notification.privateBody)
        }
        return PendingIntent.getBroadcast(context, 0, intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
    }

    companion object {
        /** AlarmManager allows 500 alarms per app; the plan covers weeks within far fewer. */
        val MAX_PENDING: UInt = 120u
        const val WINDOW_MILLIS = 10 * 60 * 1000L

        fun recordIn(context: Context) = ScheduleRecord(File(context.noBackupFilesDir, "alarms"))
    }
}

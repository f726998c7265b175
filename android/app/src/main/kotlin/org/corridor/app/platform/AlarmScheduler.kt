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
 * notification, delivered to [AlarmReceiver], which posts its cover text. Exact alarms
 * (`setExactAndAllowWhileIdle`) only when the person granted the exact-alarm permission
 * (Android 14 denies it by default) and the call is accepted; otherwise `setAndAllowWhileIdle`,
 * which Android may delay but still delivers in Doze. AlarmManager cannot list what is pending,
 * so the ids scheduled (and whether each was exact) are kept in a [ScheduleRecord]. The alarms
 * carry only the cover texts, never the explicit wording.
 */
open class AlarmScheduler(private val context: Context, private val record: ScheduleRecord) : NotificationScheduler {
    private val alarms: AlarmManager = context.getSystemService(AlarmManager::class.java)

    override fun schedule(notification: ScheduledNotification) {
        val at = notification.fireAtUnix * 1000
        val operation = operation(notification)
        val exact = exactAllowed() && try {
            setExact(at, operation)
            true
        } catch (_: SecurityException) {
            false // the permission went between the check and the call: inexact instead
        }
        if (!exact) alarms.setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, operation)
        record.add(notification.id, exact)
    }

    /** The exact alarm (a test makes it refuse, as Android does once the permission is revoked). */
    protected open fun setExact(at: Long, operation: PendingIntent) =
        alarms.setExactAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, at, operation)

    /** Cancels the alarm of [id] (never creating a PendingIntent to do so) and removes its posted notification. */
    override fun cancel(id: String) {
        PendingIntent.getBroadcast(context, 0, intentOf(id), PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_NO_CREATE)?.let {
            alarms.cancel(it)
            it.cancel()
        }
        Notifications.cancel(context, id)
        record.remove(id)
    }

    /**
     * What is still set. When exact alarms are no longer allowed, Android has cancelled every
     * exact one, so those are forgotten and the core schedules them again (inexact).
     */
    override fun pending(): List<String> {
        if (!exactAllowed()) record.dropExact()
        return record.ids()
    }

    override fun maxPending(): UInt = MAX_PENDING

    /** The alarm of [id] fired (its notification was posted): it is no longer pending. */
    fun fired(id: String) = record.remove(id)

    /** After a reboot AlarmManager holds nothing. */
    fun forgetAll() = record.clear()

    /** Whether exact alarms may be set (always before Android 12; after, only if granted). */
    fun exactAllowed(): Boolean = Build.VERSION.SDK_INT < Build.VERSION_CODES.S || alarms.canScheduleExactAlarms()

    /**
     * The alarm's intent: told apart by its data (the opaque id), which is what AlarmManager
     * and PendingIntent compare; the cover texts travel as extras.
     */
    private fun intentOf(id: String): Intent = Intent(context, AlarmReceiver::class.java)
        .setAction(AlarmReceiver.ACTION)
        .setData(Uri.fromParts(AlarmReceiver.SCHEME, id, null))

    private fun operation(notification: ScheduledNotification): PendingIntent {
        val intent = intentOf(notification.id)
            .putExtra(AlarmReceiver.EXTRA_ID, notification.id)
            .putExtra(AlarmReceiver.EXTRA_TITLE, notification.title)
            .putExtra(AlarmReceiver.EXTRA_BODY, notification.body)
        return PendingIntent.getBroadcast(context, 0, intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
    }

    companion object {
        /** AlarmManager allows 500 alarms per app; the plan covers weeks within far fewer. */
        val MAX_PENDING: UInt = 120u

        fun recordIn(context: Context) = ScheduleRecord(File(context.noBackupFilesDir, "alarms"))
    }
}

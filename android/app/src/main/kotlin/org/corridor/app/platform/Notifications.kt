package org.corridor.app.platform

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import org.corridor.app.CalculatorActivity
import org.corridor.app.text.Language
import org.corridor.app.text.T

/**
 * Notifications carry only the core's cover texts, in the notification and in its public
 * version alike. Android decides what the lock screen shows (the full notification unless the
 * lock is secure and the person chose to hide sensitive content; an app cannot force its
 * channel's lock-screen visibility), so the explicit wording the core gives for the unlocked
 * phone is never posted: the person sees it only inside the unlocked app (Home). One channel
 * with a neutral name; tapping opens the disguise, never the app.
 */
object Notifications {
    const val CHANNEL = "alerts"

    fun ensureChannel(context: Context) {
        val manager = context.getSystemService(NotificationManager::class.java)
        val name = T.channel_name.text(Language.of(context.resources.configuration.locales[0]))
        val channel = NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_DEFAULT).apply {
            setShowBadge(false)
        }
        manager.createNotificationChannel(channel)
    }

    /** The notification id Android knows a planned notification by (from the core's opaque id). */
    fun idOf(id: String): Int = id.hashCode()

    /** Posts the cover [title] and [body] of the planned notification [id]: nothing else. */
    fun post(context: Context, id: String, title: String, body: String) {
        ensureChannel(context)
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, CalculatorActivity::class.java).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TASK),
            PendingIntent.FLAG_IMMUTABLE,
        )
        val icon = coverIcon(context)
        val public = Notification.Builder(context, CHANNEL)
            .setSmallIcon(icon)
            .setContentTitle(title)
            .setContentText(body)
            .build()
        val notification = Notification.Builder(context, CHANNEL)
            .setSmallIcon(icon)
            .setContentTitle(title)
            .setContentText(body)
            .setVisibility(Notification.VISIBILITY_PRIVATE)
            .setPublicVersion(public)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        manager(context).notify(idOf(id), notification)
    }

    /** Removes the posted notification of [id], if it is showing. */
    fun cancel(context: Context, id: String) = manager(context).cancel(idOf(id))

    /** Removes every notification the app posted (erase, unlock). */
    fun cancelAll(context: Context) = manager(context).cancelAll()

    private fun manager(context: Context) = context.getSystemService(NotificationManager::class.java)

    /** The small icon: the launcher drawable of the disguise, or a plain framework one. */
    private fun coverIcon(context: Context): Int {
        val named = context.resources.getIdentifier("ic_cover_small", "drawable", context.packageName)
        return if (named != 0) named else android.R.drawable.ic_menu_my_calendar
    }
}

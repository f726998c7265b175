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
 * Notifications show only the core's cover texts. On the lock screen the covert public version
 * is shown; the explicit wording the core gives for the unlocked phone (when the person asked
 * for it) only in the private version. One channel with a neutral name; tapping opens the
 * disguise, never the app.
 */
object Notifications {
    const val CHANNEL = "alerts"

    fun ensureChannel(context: Context) {
        val manager = context.getSystemService(NotificationManager::class.java)
        val name = T.channel_name.text(Language.of(context.resources.configuration.locales[0]))
        val channel = NotificationChannel(CHANNEL, name, NotificationManager.IMPORTANCE_DEFAULT).apply {
            lockscreenVisibility = Notification.VISIBILITY_PRIVATE
            setShowBadge(false)
        }
        manager.createNotificationChannel(channel)
    }

    fun post(context: Context, id: String, title: String, body: String, privateTitle: String?, privateBody: String?) {
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
            .setContentTitle(privateTitle ?: title)
            .setContentText(privateBody ?: body)
            .setVisibility(Notification.VISIBILITY_PRIVATE)
            .setPublicVersion(public)
            .setContentIntent(open)
            .setAutoCancel(true)
            .build()
        context.getSystemService(NotificationManager::class.java).notify(id.hashCode(), notification)
    }

    /** The small icon: the launcher drawable of the disguise, or a plain framework one. */
    private fun coverIcon(context: Context): Int {
        val named = context.resources.getIdentifier("ic_cover_small", "drawable", context.packageName)
        return if (named != 0) named else android.R.drawable.ic_menu_my_calendar
    }
}

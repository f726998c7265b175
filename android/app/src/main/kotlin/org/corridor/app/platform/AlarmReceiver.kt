package org.corridor.app.platform

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import org.corridor.app.CorridorApp

/** Posts a planned notification's cover text when its alarm fires; it is then no longer pending. */
class AlarmReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != ACTION) return
        val id = intent.getStringExtra(EXTRA_ID) ?: return
        val title = intent.getStringExtra(EXTRA_TITLE) ?: return
        val body = intent.getStringExtra(EXTRA_BODY) ?: return
        Notifications.post(context, id, title, body)
        // The app's one scheduler and its one record: never a second record of the same file.
        (context.applicationContext as CorridorApp).scheduler.fired(id)
    }

    companion object {
        const val ACTION = "a"
        const val SCHEME = "n"
        const val EXTRA_ID = "i"
        const val EXTRA_TITLE = "t"
        const val EXTRA_BODY = "b"
    }
}

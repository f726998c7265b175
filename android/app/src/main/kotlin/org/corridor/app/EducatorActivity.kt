package org.corridor.app

import org.corridor.app.platform.BackgroundSync
import org.corridor.app.platform.HubConfig
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession

/** Educator mode on a shared tablet: the hub login and sending what waits. */
class EducatorActivity : SecureActivity() {
    override fun create(session: ProfileSession?) {
        render()
    }

    private fun render() {
        column.clear()
        column.title(s(T.edu_title))
        val vault = app.corridor.vault
        val account = runCatching { vault.hubAccount() }.getOrNull()
        if (account == null) {
            column.heading(s(T.edu_login))
            val user = column.field(s(T.edu_username))
            val password = column.field(s(T.edu_password), secret = true)
            column.button(s(T.edu_login)) {
                workOrSay({
                    val hub = HubConfig.hub(this, vault) ?: error("no hub")
                    hub.use { vault.hubLogin(it, user.text.toString(), password.text.toString(), android.os.Build.MODEL) }
                }) { render() }
            }
        }
        column.button(s(T.edu_sync)) {
            workOrSay({
                val hub = HubConfig.hub(this, vault) ?: error("no hub")
                hub.use { BackgroundSync.drain(vault, it) }
            }) { summary -> column.text(s(T.edu_sync_result, summary.sent.toInt(), summary.waiting.toInt())) }
        }
        column.button(s(T.back)) { finish() }
    }
}

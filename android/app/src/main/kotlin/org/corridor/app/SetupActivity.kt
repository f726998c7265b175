package org.corridor.app

import android.content.Intent
import org.corridor.app.text.T
import org.corridor.app.ui.take
import org.corridor.ffi.ProfileSession

/**
 * First start only (at the clinic or with a peer educator): choose the PIN, optionally keep the
 * code of a clinic card, or set up a tablet shared by educators. The core checks the PIN rules.
 */
class SetupActivity : SecureActivity() {
    override val needsUnlock = false

    override fun create(session: ProfileSession?) {
        column.title(s(T.setup_title))
        column.text(s(T.setup_explain))
        val pin = column.field(s(T.pin_new), secret = true, digits = true)
        val repeat = column.field(s(T.pin_repeat), secret = true, digits = true)
        val code = column.field(s(T.setup_code))
        column.button(s(T.setup_personal)) {
            val (typed, again) = pin.take() to repeat.take()
            if (typed != again) {
                column.text(s(T.pin_mismatch))
                return@button
            }
            val typedCode = code.text.toString().takeIf { it.isNotBlank() }
            workOrSay({ app.corridor.vault.setupPersonal(typed, typedCode) }) { opened -> open(opened) }
        }
        column.heading(s(T.nav_educator))
        val name = column.field(s(T.setup_name))
        column.button(s(T.setup_educator)) {
            val (typed, again) = pin.take() to repeat.take()
            if (typed != again) {
                column.text(s(T.pin_mismatch))
                return@button
            }
            workOrSay({ app.corridor.vault.setupEducator(name.text.toString(), typed) }) { opened -> open(opened) }
        }
    }

    private fun open(session: ProfileSession) {
        app.unlocked(session)
        startActivity(Intent(this, HomeActivity::class.java))
        finish()
    }
}

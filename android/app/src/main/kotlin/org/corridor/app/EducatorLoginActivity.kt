package org.corridor.app

import android.content.Intent
import org.corridor.UnlockOutcome
import org.corridor.app.text.T
import org.corridor.app.ui.take
import org.corridor.ffi.ProfileSession

/** A tablet shared by peer educators: each picks their name and types their own PIN. */
class EducatorLoginActivity : SecureActivity() {
    override val needsUnlock = false

    override fun create(session: ProfileSession?) {
        column.title(s(T.edu_pick))
        val pin = column.field(s(T.pin_current), secret = true, digits = true)
        workOrSay({ app.corridor.vault.profiles() }) { profiles ->
            for (profile in profiles) {
                column.button(profile.displayName ?: profile.id.take(6)) {
                    val typed = pin.take()
                    workOrSay({ app.corridor.unlock(typed, profile.id) }) { outcome ->
                        when (outcome) {
                            is UnlockOutcome.Unlocked -> {
                                app.unlocked(outcome.session)
                                startActivity(Intent(this, HomeActivity::class.java))
                                finish()
                            }
                            is UnlockOutcome.WrongPin -> column.text(s(T.err_wrong_pin, outcome.attemptsLeft))
                            is UnlockOutcome.MustWait -> column.text(s(T.err_wait, outcome.retryAfter.inWholeSeconds))
                        }
                    }
                }
            }
        }
    }
}

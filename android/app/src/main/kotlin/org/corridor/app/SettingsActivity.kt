package org.corridor.app

import android.content.Intent
import android.net.Uri
import android.os.Build
import android.provider.Settings
import org.corridor.app.platform.Covers
import org.corridor.app.presenter.SettingsPresenter
import org.corridor.app.text.T
import org.corridor.app.ui.take
import org.corridor.ffi.ProfileSession

/** Settings: PIN, duress PIN, disguise and notification wording, auto-lock, recovery kit, quick delete. */
class SettingsActivity : SecureActivity() {
    private lateinit var presenter: SettingsPresenter

    override fun create(session: ProfileSession?) {
        presenter = SettingsPresenter(app.corridor.vault, session!!)
        render()
    }

    private fun render() {
        column.clear()
        column.title(s(T.settings_title))

        column.heading(s(T.pin_change))
        val current = column.field(s(T.pin_current), secret = true, digits = true)
        val new = column.field(s(T.pin_new), secret = true, digits = true)
        val repeat = column.field(s(T.pin_repeat), secret = true, digits = true)
        column.button(s(T.pin_change)) {
            val (old, typed, again) = Triple(current.take(), new.take(), repeat.take())
            workOrSay({ presenter.changePin(old, typed, again) }) { column.text(say(it)) }
        }

        column.heading(s(T.duress_title))
        column.text(s(T.duress_explain))
        val duress = column.field(s(T.duress_pin), secret = true, digits = true)
        val erase = column.check(s(T.duress_erase))
        column.button(s(T.duress_set)) {
            val (old, typed) = current.take() to duress.take()
            workOrSay({ presenter.setDuressPin(old, typed, erase.isChecked) }) { column.text(say(it)) }
        }
        workOrSay({ presenter.hasDuressPin() }) { has ->
            column.text(s(if (has) T.duress_is_set else T.duress_not_set))
            if (has) {
                column.button(s(T.duress_clear)) {
                    val old = current.take()
                    workOrSay({ presenter.clearDuressPin(old) }) { column.text(say(it)) }
                }
            }
            rest()
        }
    }

    private fun rest() {
        column.heading(s(T.cover_title))
        val chosen = runCatching { presenter.cover().id }.getOrNull()
        val covers = presenter.allCovers()
        column.choices(covers.map { s(Covers.label(it.iconName)) }, covers.indexOfFirst { it.id == chosen }) { index ->
            workOrSay({ presenter.chooseCover(covers[index].id) }) { picked ->
                Covers.applyLauncher(this, picked.iconName)
                render()
            }
        }
        val wording = column.field(s(T.cover_texts), lines = 3)
        workOrSay({ presenter.covertTexts() }) { wording.setText(it.joinToString("\n")) }
        column.button(s(T.save)) { workOrSay({ presenter.setCovertTexts(wording.text.toString()) }) { column.text(say(it)) } }

        column.heading(s(T.autolock_title))
        val minutes = presenter.autoLockMinutes()
        val lockChoices = SettingsPresenter.autoLockChoices
        column.choices(lockChoices.map { s(T.autolock_minutes, it) }, lockChoices.indexOf(minutes)) { index ->
            workOrSay({ presenter.setAutoLockMinutes(lockChoices[index]) }) { render() }
        }

        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S && !app.scheduler.exactAllowed()) {
            column.text(s(T.exact_alarms_explain))
            column.button(s(T.exact_alarms)) {
                startActivity(Intent(Settings.ACTION_REQUEST_SCHEDULE_EXACT_ALARM, Uri.parse("package:$packageName")))
            }
        }

        column.heading(s(T.recovery_title))
        if (presenter.hasRecoveryKit()) column.text(s(T.recovery_has))
        column.button(s(T.recovery_create)) {
            workOrSay({ presenter.createRecoveryKit() }) { secret ->
                column.text(s(T.recovery_show))
                column.title(secret)
                val typed = column.field(s(T.recovery_confirm_hint), secret = true)
                column.button(s(T.recovery_confirm)) {
                    val secretTyped = typed.take()
                    workOrSay({ presenter.confirmRecoveryKit(secretTyped) }) { render(); column.text(say(it)) }
                }
            }
        }

        column.heading(s(T.quick_delete_title))
        column.text(s(T.quick_delete_explain))
        presenter.quickDeleteWarning()?.let { column.text(say(it)) }
        column.button(s(T.quick_delete_confirm)) {
            workOrSay({ presenter.quickDelete() }) {
                app.erased()
                toDisguise()
            }
        }
        column.button(s(T.back)) { finish() }
    }
}

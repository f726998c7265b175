package org.corridor.app.presenter

import org.corridor.app.text.T
import org.corridor.ffi.CoverInfo
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.Reminders
import org.corridor.ffi.Vault
import org.corridor.ffi.covers

/**
 * Settings: PIN change, the duress PIN, the disguise and its notification wording, the
 * auto-lock time, the recovery kit and quick delete. PIN rules, wording checks and erasing are
 * the core's; the presenter only checks that the two new PINs typed agree.
 */
class SettingsPresenter(private val vault: Vault, private val session: ProfileSession) {
    private val reminders = Reminders(session)

    suspend fun changePin(current: String, new: String, repeat: String): Message {
        if (new != repeat) return Message(T.pin_mismatch, problem = true)
        session.changePin(current, new)
        return Message(T.pin_changed)
    }

    fun hasDuressPin(): Boolean = session.hasDuressPin()

    suspend fun setDuressPin(current: String, duress: String, eraseOnDuress: Boolean): Message {
        session.setDuressPin(current, duress, eraseOnDuress)
        return Message(T.duress_is_set)
    }

    suspend fun clearDuressPin(current: String): Message {
        session.clearDuressPin(current)
        return Message(T.duress_not_set)
    }

    fun allCovers(): List<CoverInfo> = covers()
    fun cover(): CoverInfo = vault.cover()

    /** Chooses the disguise; the view then switches the launcher alias to [CoverInfo.iconName]. */
    fun chooseCover(id: String): CoverInfo {
        session.chooseCover(id)
        return vault.cover()
    }

    fun covertTexts(): List<String> = reminders.covertTexts()

    /** The person's own notification wording, one per line; the core refuses revealing words. */
    fun setCovertTexts(lines: String): Message {
        reminders.setCovertTexts(lines.lines().map { it.trim() }.filter { it.isNotEmpty() })
        return Message(T.saved)
    }

    fun autoLockMinutes(): Int = (session.autoLockSecs().toInt() + 59) / 60

    fun setAutoLockMinutes(minutes: Int) = session.setAutoLockSecs((minutes * 60).toUInt())

    fun hasRecoveryKit(): Boolean = session.hasRecoveryKit()

    /** The recovery secret, to show once; it is kept only once [confirmRecoveryKit] agrees. */
    suspend fun createRecoveryKit(): String = session.createRecoveryKit()

    suspend fun confirmRecoveryKit(typed: String): Message {
        session.confirmRecoveryKit(typed)
        return Message(T.recovery_done)
    }

    /** What a quick delete would lose that the person should hear about first (closed sessions). */
    fun quickDeleteWarning(): Message? =
        vault.pendingSessionUploads().toInt().takeIf { it > 0 }?.let { Message(T.quick_delete_pending, listOf(it)) }

    fun quickDelete() = vault.quickDelete()

    companion object {
        val autoLockChoices = listOf(1, 2, 5, 10, 30)
    }
}

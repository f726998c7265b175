package org.corridor.app

import android.content.Intent
import android.os.Build
import java.time.YearMonth
import org.corridor.app.platform.HubConfig
import org.corridor.app.presenter.EducatorPresenter
import org.corridor.app.text.T
import org.corridor.app.ui.picked
import org.corridor.app.ui.take
import org.corridor.ffi.OpenSession
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.SessionKind

/**
 * Educator mode on a shared tablet: the educator's numbers and sessions, a session to run
 * (attendance by typing or scanning codes, commodities, referrals), closing it, and sync.
 */
class EducatorActivity : SecureActivity() {
    private lateinit var presenter: EducatorPresenter

    override fun create(session: ProfileSession?) {
        presenter = EducatorPresenter(app.corridor.vault, session!!, language.tag)
        render()
    }

    private fun render() {
        column.clear()
        column.title(s(T.edu_title))
        workOrSay({ presenter.openSession() }) { open ->
            if (open != null) openSession(open) else overview()
        }
    }

    private fun overview() {
        workOrSay({ presenter.numbers(YearMonth.now().toString()) }) { numbers ->
            column.text(s(T.edu_numbers, numbers.sessions.toInt(), numbers.attendances, numbers.waiting.toInt()))
        }
        if (!presenter.loggedIn()) login()
        column.button(s(T.edu_sync)) {
            workOrSay({ (HubConfig.hub(this, app.corridor.vault) ?: error("no hub")).use { presenter.sync(it) } }) {
                column.text(s(T.edu_sync_result, it.sent.toInt(), it.waiting.toInt(), it.refused.toInt()))
            }
        }
        column.button(s(T.edu_new_session)) { startSession() }
        column.heading(s(T.edu_sessions))
        workOrSay({ presenter.sessions() }) { sessions ->
            if (sessions.isEmpty()) column.text(s(T.edu_no_sessions))
            val dates = java.text.DateFormat.getDateInstance(java.text.DateFormat.MEDIUM, resources.configuration.locales[0])
            for (line in sessions.take(20)) {
                column.text(
                    s(T.edu_session_line, dates.format(java.util.Date(line.startedAt * 1000)), line.site, line.attendees,
                        s(EducatorPresenter.stateLabel(line.state))),
                )
            }
            column.button(s(T.back)) { finish() }
        }
    }

    private fun login() {
        column.heading(s(T.edu_login))
        val user = column.field(s(T.edu_username))
        val password = column.field(s(T.edu_password), secret = true)
        column.button(s(T.edu_login)) {
            val typed = password.take()
            workOrSay({
                (HubConfig.hub(this, app.corridor.vault) ?: error("no hub")).use {
                    presenter.login(it, user.text.toString(), typed, Build.MODEL)
                }
            }) { render() }
        }
    }

    private fun startSession() {
        column.clear()
        column.title(s(T.edu_new_session))
        workOrSay({ presenter.sites() to presenter.modules() }) { (sites, modules) ->
            column.heading(s(T.edu_topics))
            val topics = modules.map { column.check(it.title) to it.id }
            column.heading(s(T.edu_kind))
            val kinds = EducatorPresenter.kinds
            var kind = SessionKind.GROUP
            column.choices(kinds.map { s(it.label) }, kinds.indexOfFirst { it.value == kind }) { kind = kinds[it].value }
            column.heading(s(T.edu_site))
            for (site in sites) {
                column.button("${site.name}, ${site.place}") {
                    val chosen = topics.filter { it.first.isChecked }.map { it.second }
                    workOrSay({ presenter.start(site.id, kind, chosen) }) { render() }
                }
            }
            column.button(s(T.back)) { render() }
        }
    }

    private fun openSession(open: OpenSession) {
        column.heading(s(T.edu_open, s(EducatorPresenter.kindLabel(open.session.kind)), open.session.site))
        column.heading(s(T.edu_attendance))
        column.text(s(T.edu_attendees, open.attendees.size))
        val code = column.field(s(T.code_type_hint))
        column.button(s(T.edu_add_attendee)) { attend(code.text.toString()) }
        column.button(s(T.edu_scan_code)) { startActivityForResult(Intent(this, ScanActivity::class.java), SCAN) }
        for (attendee in open.attendees) {
            column.button(s(T.edu_remove, attendee.code)) { workOrSay({ presenter.removeAttendee(attendee.code) }) { render() } }
        }

        column.heading(s(T.edu_commodities))
        val given = open.session.commodities.associate { it.commodity to it.count }
        for (choice in EducatorPresenter.commodities) {
            column.text(s(T.edu_commodity_line, s(choice.label), given[choice.value] ?: 0L))
            column.button("+1  ${s(choice.label)}") { workOrSay({ presenter.give(choice.value, 1) }) { render() } }
            column.button("+10  ${s(choice.label)}") { workOrSay({ presenter.give(choice.value, 10) }) { render() } }
        }

        column.heading(s(T.edu_referrals))
        for (line in open.session.referrals) {
            val service = EducatorPresenter.services.first { it.value == line.service }.label
            column.text(s(T.edu_referral_line, s(service), line.clinic))
        }
        column.button(s(T.edu_refer_to)) { refer() }

        column.button(s(T.edu_close_session)) { workOrSay({ presenter.close() }) { render() } }
        column.button(s(T.edu_discard)) { workOrSay({ presenter.discard() }) { render() } }
        column.button(s(T.back)) { finish() }
    }

    private fun refer() {
        column.clear()
        column.title(s(T.edu_refer_to))
        val services = EducatorPresenter.services
        val service = column.choices(services.map { s(it.label) })
        column.heading(s(T.edu_site))
        workOrSay({ presenter.sites() }) { sites ->
            for (site in sites) {
                column.button("${site.name}, ${site.place}") {
                    val picked = services[service.picked() ?: return@button].value
                    workOrSay({ presenter.refer(picked, site.id) }) { render() }
                }
            }
            column.button(s(T.back)) { render() }
        }
    }

    private fun attend(code: String) {
        workOrSay({ presenter.attend(code) }) { render() }
    }

    @Deprecated("Activity results without AndroidX")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        val scanned = data?.getStringExtra(ScanActivity.EXTRA_TEXT)
        if (requestCode == SCAN && resultCode == RESULT_OK && scanned != null) attend(scanned)
    }

    companion object {
        const val SCAN = 9
    }
}

package org.corridor.app

import android.widget.CheckBox
import java.time.ZoneId
import org.corridor.app.platform.SyncJobs
import org.corridor.app.presenter.AfterFiling
import org.corridor.app.presenter.Choice
import org.corridor.app.presenter.Filed
import org.corridor.app.presenter.FullReportForm
import org.corridor.app.presenter.ReportPresenter
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.ReportUrgency

/**
 * Reporting violence. The quick report is three taps (what, when, what you want); the third tap
 * seals and queues it and asks the job scheduler to send it as soon as there is a network. When
 * PEP or emergency contraception is urgent, that screen comes before anything else.
 */
class ReportActivity : SecureActivity() {
    private lateinit var presenter: ReportPresenter

    override fun create(session: ProfileSession?) {
        presenter = ReportPresenter(session!!)
        menu()
    }

    private fun menu() {
        column.clear()
        column.title(s(T.report_title))
        column.button(s(T.report_sos)) { sos() }
        column.button(s(T.report_quick)) {
            presenter.startQuick()
            quick()
        }
        column.button(s(T.report_full)) { full() }
        teamAndSite()
        column.heading(s(T.report_mine))
        workOrSay({ presenter.reports() }) { reports ->
            if (reports.isEmpty()) column.text(s(T.report_none))
            val dates = java.text.DateFormat.getDateInstance(java.text.DateFormat.MEDIUM, resources.configuration.locales[0])
            for (report in reports) {
                column.text(s(T.report_line, s(ReportPresenter.kindLabel(report.kind)), dates.format(java.util.Date(report.createdAt * 1000)), s(ReportPresenter.stateLabel(report.state))))
            }
            column.button(s(T.back)) { finish() }
        }
    }

    /** The team reports go to and the site for nearby clinics, chosen once. */
    private fun teamAndSite() {
        workOrSay({ Triple(presenter.teams(), presenter.homeTeam(), presenter.sites()) }) { (teams, home, sites) ->
            if (home == null) {
                for (team in teams) column.button(team.name) { workOrSay({ presenter.setHomeTeam(team.id) }) { menu() } }
            }
            val near = presenter.nearSite
            column.choices(sites.map { "${it.name}, ${it.place}" }, sites.indexOfFirst { it.id == near }) { presenter.nearSite = sites[it].id }
        }
    }

    private fun quick() {
        column.clear()
        when (val step = presenter.quickStep) {
            is ReportPresenter.QuickStep.What -> {
                column.title(s(T.q_what))
                ReportPresenter.whatChoices.forEach { choice -> column.button(s(choice.label)) { presenter.choose(choice.value); quick() } }
            }
            is ReportPresenter.QuickStep.When -> {
                column.title(s(T.q_when))
                ReportPresenter.whenChoices.forEach { choice -> column.button(s(choice.label)) { presenter.choose(choice.value); quick() } }
            }
            is ReportPresenter.QuickStep.Want -> {
                column.title(s(T.q_want))
                ReportPresenter.wantChoices.forEach { choice ->
                    column.button(s(choice.label)) { workOrSay({ presenter.choose(choice.value) }) { filed -> after(filed, 0) } }
                }
            }
        }
        column.button(s(T.back)) { menu() }
    }

    private fun full() {
        column.clear()
        column.title(s(T.report_full))
        column.heading(s(T.full_kinds))
        val kinds = boxes(ReportPresenter.kindNames)
        val days = column.field(s(T.full_days_ago), digits = true)
        val place = column.field(s(T.full_place))
        column.heading(s(T.full_who))
        val who = boxes(ReportPresenter.whoNames)
        val injuries = column.field(s(T.full_injuries), lines = 2)
        column.heading(s(T.full_help))
        val help = boxes(ReportPresenter.helpNames)
        column.heading(s(T.full_consent))
        val consent = boxes(ReportPresenter.consentNames)
        val contactWhen = column.field(s(T.full_contact_when))
        val contactNumber = column.field(s(T.full_contact_number), phone = true)
        val text = column.field(s(T.full_text), lines = 4)
        val keep = column.check(s(T.full_keep_copy))
        column.button(s(T.full_submit)) {
            val form = FullReportForm(
                kinds = chosen(kinds), daysAgo = days.text.toString().toIntOrNull() ?: 0, who = chosen(who),
                help = chosen(help), consent = chosen(consent), contactWhen = contactWhen.text.toString(),
                contactNumber = contactNumber.text.toString(), place = place.text.toString(),
                injuries = injuries.text.toString(), text = text.text.toString(), keepPrivateCopy = keep.isChecked,
            )
            workOrSay({ presenter.fileFull(form, System.currentTimeMillis() / 1000) }) { filed -> after(filed, 0) }
        }
        column.button(s(T.back)) { menu() }
    }

    private fun boxes(choices: List<Choice<String>>): List<Pair<CheckBox, String>> = choices.map { column.check(s(it.label)) to it.value }

    private fun chosen(boxes: List<Pair<CheckBox, String>>): Set<String> = boxes.filter { it.first.isChecked }.map { it.second }.toSet()

    /** The screens after filing, in the order the presenter gives (urgency first when it applies). */
    private fun after(filed: Filed, index: Int) {
        SyncJobs.sendSoon(this)
        column.clear()
        when (filed.screens.getOrNull(index) ?: return menu()) {
            AfterFiling.URGENCY -> urgency(filed.urgency)
            AfterFiling.QUEUED -> {
                column.title(s(T.report_queued))
                if (filed.keyMayBeOutOfDate) column.text(s(T.report_key_old))
            }
        }
        column.button(s(T.continue_)) { after(filed, index + 1) }
    }

    private fun urgency(urgency: ReportUrgency) {
        urgency.hoursLeftForPep?.takeIf { urgency.pepUrgent }?.let {
            column.title(s(T.pep_title))
            column.text(s(T.pep_body, it.toInt()))
        }
        urgency.hoursLeftForEmergencyContraception?.takeIf { urgency.emergencyContraception }?.let {
            column.heading(s(T.ec_title))
            column.text(s(T.ec_body, it.toInt()))
        }
        column.heading(s(T.clinics_title))
        for (clinic in urgency.clinics) {
            val open = when (clinic.openNow) {
                true -> s(T.clinic_open)
                false -> s(T.clinic_closed)
                null -> clinic.site.openingHours
            }
            column.text(s(T.clinic_line, clinic.site.name, clinic.site.place, open, clinic.site.phone))
        }
        if (urgency.offerPepReminder) {
            column.button(s(T.pep_reminder)) {
                workOrSay({ presenter.addPepReminder(ZoneId.systemDefault()) }) { column.text(s(T.pep_reminder_set)) }
            }
        }
    }

    private fun sos() {
        workOrSay({ presenter.sos(throughPeerEducator = true) }) { result ->
            SyncJobs.sendSoon(this)
            column.clear()
            column.title(s(T.sos_sent))
            result.emergencyNumbers.forEach { column.title(it) }
            column.button(s(T.continue_)) { menu() }
        }
    }
}

package org.corridor.app.presenter

import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.QuickWant
import org.corridor.ffi.QuickWhen
import org.corridor.ffi.ReminderRequest
import org.corridor.ffi.Reminders
import org.corridor.ffi.ReportKind
import org.corridor.ffi.ReportState
import org.corridor.ffi.ReportSummary
import org.corridor.ffi.ReportUrgency
import org.corridor.ffi.SafeContact
import org.corridor.ffi.SiteInfo
import org.corridor.ffi.SosResult
import org.corridor.ffi.TeamInfo
import org.corridor.ffi.ViolenceKind

/** A choice on the report screens: its label and the value it sends. */
data class Choice<V>(val label: T, val value: V)

/** What the person sees after filing, in order: the urgency screen first when it applies. */
enum class AfterFiling { URGENCY, QUEUED }

/** A filed report: its id, what the core says is urgent, and the screens to show in order. */
data class Filed(val reportId: String, val urgency: ReportUrgency, val keyMayBeOutOfDate: Boolean) {
    val screens: List<AfterFiling> =
        if (urgency.pepUrgent || urgency.emergencyContraception) listOf(AfterFiling.URGENCY, AfterFiling.QUEUED)
        else listOf(AfterFiling.QUEUED)
}

/** The full report form as the person filled it. */
data class FullReportForm(
    val kinds: Set<String>,
    val daysAgo: Int,
    val who: Set<String> = emptySet(),
    val help: Set<String> = emptySet(),
    val consent: Set<String>,
    val contactWhen: String = "",
    val contactNumber: String = "",
    val place: String = "",
    val injuries: String = "",
    val text: String = "",
    val keepPrivateCopy: Boolean = false,
)

/**
 * Reporting violence: the quick report in exactly three taps (what, when, what you want; the
 * third tap seals and queues it), the full report, SOS, and the person's reports. Every check
 * of a report is the core's; this class only carries the choices to it.
 */
class ReportPresenter(private val session: ProfileSession) {
    /** Where the quick report stands: the choices made so far. */
    sealed interface QuickStep {
        data object What : QuickStep
        data class When(val what: ViolenceKind) : QuickStep
        data class Want(val what: ViolenceKind, val `when`: QuickWhen) : QuickStep
    }

    var quickStep: QuickStep = QuickStep.What
        private set

    /** The site the person chose for nearby clinics (kept in the encrypted profile). */
    var nearSite: String?
        get() = session.settingGet(NEAR_SITE)
        set(value) {
            if (value == null) session.settingDelete(NEAR_SITE) else session.settingSet(NEAR_SITE, value)
        }

    fun teams(): List<TeamInfo> = session.teams()
    fun homeTeam(): String? = session.homeTeam()
    fun setHomeTeam(id: String) = session.setHomeTeam(id)
    fun sites(): List<SiteInfo> = session.sites().sites

    fun startQuick() {
        quickStep = QuickStep.What
    }

    /** Tap one. */
    fun choose(what: ViolenceKind) {
        quickStep = QuickStep.When(what)
    }

    /** Tap two. */
    fun choose(`when`: QuickWhen) {
        val step = quickStep as? QuickStep.When ?: error("choose what happened first")
        quickStep = QuickStep.Want(step.what, `when`)
    }

    /** Tap three: seals and queues the report. On an error the choices are kept for a retry. */
    fun choose(want: QuickWant): Filed {
        val step = quickStep as? QuickStep.Want ?: error("choose what happened and when first")
        val submitted = session.fileQuickReport(step.what, step.`when`, want, nearSite)
        quickStep = QuickStep.What
        return Filed(submitted.reportId, submitted.urgency, submitted.keyMayBeOutOfDate)
    }

    fun fileFull(form: FullReportForm, nowUnix: Long): Filed {
        val submitted = session.fileFullReport(fullReportJson(form, nowUnix), nearSite, form.keepPrivateCopy, null)
        return Filed(submitted.reportId, submitted.urgency, submitted.keyMayBeOutOfDate)
    }

    fun sos(throughPeerEducator: Boolean): SosResult =
        session.sendSos(if (throughPeerEducator) SafeContact.ThroughPeerEducator else null)

    fun reports(): List<ReportSummary> = session.reports().sortedByDescending { it.createdAt }

    /** The PEP course the urgency screen offers: daily, starting now, with the core's defaults. */
    fun addPepReminder(zone: ZoneId, now: java.time.ZonedDateTime = java.time.ZonedDateTime.now(zone)) {
        val start = now.plusMinutes(1)
        val at = "${LocalDate.from(start)} ${LocalTime.from(start).withSecond(0).withNano(0).toString().take(5)}"
        Reminders(session).add(
            ReminderRequest(
                kind = "pep_course", at = at, zone = zone.id, every = null, count = null, until = null,
                once = false, offsets = emptyList(), explicit = false, label = null, covertText = null,
            ),
        )
    }

    companion object {
        const val NEAR_SITE = "shell.report.near_site"

        val whatChoices = listOf(
            Choice(T.what_physical, ViolenceKind.PHYSICAL),
            Choice(T.what_sexual, ViolenceKind.SEXUAL),
            Choice(T.what_emotional, ViolenceKind.EMOTIONAL_OR_VERBAL),
            Choice(T.what_robbery, ViolenceKind.ROBBERY_OR_ECONOMIC),
            Choice(T.what_police, ViolenceKind.ARREST_OR_POLICE_HARASSMENT),
            Choice(T.what_refused, ViolenceKind.REFUSED_SERVICE),
            Choice(T.what_other, ViolenceKind.OTHER),
        )
        val whenChoices = listOf(
            Choice(T.when_today, QuickWhen.TODAY),
            Choice(T.when_three_days, QuickWhen.LAST_THREE_DAYS),
            Choice(T.when_earlier, QuickWhen.EARLIER),
        )
        val wantChoices = listOf(
            Choice(T.want_medical, QuickWant.URGENT_MEDICAL_HELP),
            Choice(T.want_contact, QuickWant.CONTACT_ME),
            Choice(T.want_record, QuickWant.JUST_RECORD_IT),
        )

        /** The full form's choices, with the names docs/reports.md gives them. */
        val kindNames = listOf(
            Choice(T.what_physical, "physical"), Choice(T.what_sexual, "sexual"),
            Choice(T.what_emotional, "emotional_or_verbal"), Choice(T.what_robbery, "robbery_or_economic"),
            Choice(T.what_police, "arrest_or_police_harassment"), Choice(T.what_refused, "refused_service"),
            Choice(T.what_other, "other"),
        )
        val whoNames = listOf(
            Choice(T.who_client, "client"), Choice(T.who_police, "police"), Choice(T.who_partner, "intimate_partner"),
            Choice(T.who_family, "family_or_community"), Choice(T.who_peer, "other_sex_worker"),
            Choice(T.who_manager, "manager"), Choice(T.who_unknown, "unknown"),
        )
        val helpNames = listOf(
            Choice(T.help_medical, "medical_care"), Choice(T.help_pep, "pep_and_emergency_contraception"),
            Choice(T.help_legal, "legal_help"), Choice(T.help_counselling, "counselling"),
            Choice(T.help_safe_place, "safe_place"), Choice(T.help_nothing, "nothing_now"),
        )
        val consentNames = listOf(
            Choice(T.consent_statistics, "statistics_only"), Choice(T.consent_contact, "contact_me"),
            Choice(T.consent_warn, "warn_others_anonymously"), Choice(T.consent_police, "help_going_to_police"),
        )

        fun stateLabel(state: ReportState): T = when (state) {
            ReportState.QUEUED -> T.state_queued
            ReportState.SENT -> T.state_sent
            ReportState.RECEIVED -> T.state_received
            ReportState.REFUSED -> T.state_refused
            ReportState.NOT_SENT -> T.state_not_sent
        }

        fun kindLabel(kind: ReportKind): T = when (kind) {
            ReportKind.QUICK -> T.kind_quick
            ReportKind.FULL -> T.kind_full
            ReportKind.SOS -> T.kind_sos
        }

        /**
         * The JSON the core's full report takes (docs/reports.md). Only shapes the form; the
         * core checks every rule and names the field it refuses. "Days ago" becomes that day.
         */
        fun fullReportJson(form: FullReportForm, nowUnix: Long): String {
            val fields = mutableListOf<String>()
            fields += "\"kinds\":${array(form.kinds)}"
            val at = if (form.daysAgo <= 0) nowUnix else nowUnix - form.daysAgo.toLong() * 86_400
            fields += "\"when\":{\"type\":\"exact\",\"at\":$at}"
            if (form.place.isNotBlank()) fields += "\"place\":{\"description\":${string(form.place.trim())}}"
            if (form.who.isNotEmpty()) fields += "\"who\":${array(form.who)}"
            if (form.injuries.isNotBlank()) fields += "\"injuries\":${string(form.injuries.trim())}"
            if (form.help.isNotEmpty()) fields += "\"help\":${array(form.help)}"
            fields += "\"consent\":${array(form.consent)}"
            if (form.contactWhen.isNotBlank() || form.contactNumber.isNotBlank()) {
                fields += "\"contact\":{\"type\":\"safe_time_and_number\",\"when\":${string(form.contactWhen.trim())}," +
                    "\"number\":${string(form.contactNumber.trim())}}"
            } else if ("contact_me" in form.consent) {
                fields += "\"contact\":{\"type\":\"through_peer_educator\"}"
            }
            if (form.text.isNotBlank()) fields += "\"text\":${string(form.text.trim())}"
            return fields.joinToString(",", "{", "}")
        }

        private fun array(values: Collection<String>) = values.joinToString(",", "[", "]") { string(it) }

        /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
        fun string(value: String): String = buildString {
            append('"')
            for (character in value) {
                when {
                    character == '"' -> append("\\\"")
                    character == '\\' -> append("\\\\")
                    character < ' ' -> append("\\u%04x".format(character.code))
                    else -> append(character)
                }
            }
            append('"')
        }
    }
}

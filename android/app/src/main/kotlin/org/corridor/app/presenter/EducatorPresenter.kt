package org.corridor.app.presenter

import org.corridor.app.text.T
import org.corridor.ffi.AgeBand
import org.corridor.ffi.Commodity
import org.corridor.ffi.EducatorNumbers
import org.corridor.ffi.EducatorSession
import org.corridor.ffi.Gender
import org.corridor.ffi.Hub
import org.corridor.ffi.ModuleSummary
import org.corridor.ffi.OpenSession
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.Service
import org.corridor.ffi.SessionKind
import org.corridor.ffi.SessionState
import org.corridor.ffi.SessionSyncResult
import org.corridor.ffi.SiteInfo
import org.corridor.ffi.Vault

/**
 * Educator mode on a shared tablet (educator profiles only): sessions, attendance by client
 * code (typed or scanned; the core reads the code and refuses one twice), commodities handed
 * out, referrals, and sync. Sessions are the core's: closed sessions cannot change, and the
 * tablet forgets their codes once the hub has them.
 */
class EducatorPresenter(private val vault: Vault, private val session: ProfileSession, private val language: String) {
    fun sites(): List<SiteInfo> = session.sites().sites
    fun modules(): List<ModuleSummary> = session.contentModules(language)

    fun sessions(): List<EducatorSession> = session.educatorSessions()
    fun openSession(): OpenSession? = session.openSession()

    fun start(site: String, kind: SessionKind, modules: List<String>): String = session.startSession(site, kind, modules)

    /** Records a person by code; returns how many people with a code the open session has. */
    fun attend(code: String, gender: Gender? = null, ageBand: AgeBand? = null): Int =
        session.attendSession(code, gender, ageBand).toInt()

    fun removeAttendee(code: String) = session.removeSessionAttendee(code)

    /** Adds [count] of [commodity] (negative takes back a mistake); returns the new total. */
    fun give(commodity: Commodity, count: Long): Long = session.addCommodity(commodity, count)

    fun walkIns(gender: Gender, ageBand: AgeBand, count: Long): Long = session.addWalkIns(gender, ageBand, count)

    fun refer(service: Service, clinic: String) = session.addReferral(service, clinic)

    fun close(): EducatorSession = session.closeSession()

    fun discard(): Boolean = session.discardOpenSession()

    fun numbers(month: String?): EducatorNumbers = session.educatorNumbers(month)

    fun loggedIn(): Boolean = vault.hubAccount() != null

    suspend fun login(hub: Hub, username: String, password: String, deviceLabel: String) {
        vault.hubLogin(hub, username, password, deviceLabel)
    }

    /** Sends closed sessions (then their codes leave the tablet) and whatever else waits. */
    suspend fun sync(hub: Hub): SessionSyncResult {
        val result = session.syncSessions(hub)
        vault.sendOutbox(hub, null)
        return result
    }

    companion object {
        val kinds = listOf(
            Choice(T.edu_kind_group, SessionKind.GROUP),
            Choice(T.edu_kind_one, SessionKind.ONE_TO_ONE),
            Choice(T.edu_kind_outreach, SessionKind.OUTREACH),
        )
        val commodities = listOf(
            Choice(T.commodity_male_condoms, Commodity.MALE_CONDOMS),
            Choice(T.commodity_female_condoms, Commodity.FEMALE_CONDOMS),
            Choice(T.commodity_lubricant, Commodity.LUBRICANT),
            Choice(T.commodity_self_tests, Commodity.HIV_SELF_TEST_KITS),
        )
        val services = listOf(
            Choice(T.service_hiv_testing, Service.HIV_TESTING), Choice(T.service_prep, Service.PREP),
            Choice(T.service_pep, Service.PEP), Choice(T.service_art, Service.ART), Choice(T.service_sti, Service.STI),
            Choice(T.service_contraception, Service.CONTRACEPTION), Choice(T.service_tb, Service.TB),
            Choice(T.service_violence, Service.VIOLENCE_SUPPORT), Choice(T.service_mental_health, Service.MENTAL_HEALTH),
            Choice(T.service_other, Service.OTHER),
        )

        fun stateLabel(state: SessionState): T = when (state) {
            SessionState.OPEN -> T.edu_state_open
            SessionState.CLOSED -> T.edu_state_closed
            SessionState.QUEUED -> T.edu_state_queued
            SessionState.SENT -> T.edu_state_sent
        }

        fun kindLabel(kind: SessionKind): T = kinds.first { it.value == kind }.label
    }
}

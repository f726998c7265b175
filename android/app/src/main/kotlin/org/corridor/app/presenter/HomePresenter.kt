package org.corridor.app.presenter

import java.time.Instant
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.util.Locale
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.QrSymbol
import org.corridor.ffi.Reminders
import org.corridor.ffi.parseClientCode

/** The person's code card: the code and its QR symbol, exactly as the core draws them. */
data class CodeCard(val code: String, val qr: QrSymbol)

/** One reminder coming up, with the explicit text the unlocked person may see. */
data class Upcoming(val when_: String, val text: String)

/** Home: the code card, upcoming reminders and the way to the other screens. */
class HomePresenter(private val session: ProfileSession, private val zone: ZoneId, private val locale: Locale) {
    private val reminders = Reminders(session)

    fun codeCard(): CodeCard? {
        val code = session.clientCode() ?: return null
        val qr = session.clientCodeQr() ?: return null
        return CodeCard(code, qr)
    }

    /** Adopts a typed or scanned code (a clinic card); returns its normal form. */
    fun adoptCode(typed: String): String {
        val code = parseClientCode(typed)
        session.adoptClientCode(code)
        return code
    }

    /** What fires in the next [days] days, the private wording when the core gives one. */
    fun upcoming(days: UInt = 7u): List<Upcoming> {
        val format = DateTimeFormatter.ofPattern("EEE d MMM HH:mm", locale).withZone(zone)
        return reminders.plan(days).sortedBy { it.fireAtUnix }.map {
            val text = listOfNotNull(it.privateTitle ?: it.title, it.privateBody ?: it.body).joinToString(": ")
            Upcoming(format.format(Instant.ofEpochSecond(it.fireAtUnix)), text)
        }
    }

    fun isEducator(): Boolean = session.profile().role == org.corridor.ffi.ProfileRole.EDUCATOR
}

package org.corridor.app

import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import java.time.ZoneId
import org.corridor.app.presenter.HomePresenter
import org.corridor.app.text.T
import org.corridor.app.ui.QrView
import org.corridor.ffi.ProfileSession

/** Home: the code card with its QR, what is coming up, and the ways to learn, report and settings. */
class HomeActivity : SecureActivity() {
    private lateinit var presenter: HomePresenter

    override fun create(session: ProfileSession?) {
        presenter = HomePresenter(session!!, ZoneId.systemDefault(), resources.configuration.locales[0])
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU &&
            checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
        ) {
            requestPermissions(arrayOf(Manifest.permission.POST_NOTIFICATIONS), 1)
        }
    }

    override fun onResume() {
        super.onResume()
        if (app.current() != null) render()
    }

    private fun render() {
        column.clear()
        column.title(s(T.home_title))
        column.heading(s(T.home_code))
        workOrSay({ presenter.codeCard() }) { card ->
            if (card == null) {
                column.text(s(T.home_no_code))
            } else {
                column.view(QrView(this, card.qr))
                column.title(card.code)
                column.text(s(T.home_code_explain))
            }
            column.button(s(T.code_title)) { startActivity(Intent(this, CodeActivity::class.java)) }
            column.heading(s(T.home_upcoming))
            workOrSay({ presenter.upcoming() }) { upcoming ->
                if (upcoming.isEmpty()) column.text(s(T.home_nothing_upcoming))
                upcoming.take(5).forEach { column.text("${it.when_} · ${it.text}") }
                column.button(s(T.nav_learn)) { startActivity(Intent(this, LearnActivity::class.java)) }
                column.button(s(T.nav_report)) { startActivity(Intent(this, ReportActivity::class.java)) }
                column.button(s(T.nav_settings)) { startActivity(Intent(this, SettingsActivity::class.java)) }
                if (presenter.isEducator()) {
                    column.button(s(T.nav_educator)) { startActivity(Intent(this, EducatorActivity::class.java)) }
                }
                column.button(s(T.nav_lock)) {
                    app.lockNow()
                    toDisguise()
                }
            }
        }
    }
}

package org.corridor.app

import android.content.Intent
import java.time.ZoneId
import org.corridor.app.presenter.HomePresenter
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession

/** Keep the code of a clinic card: typed, or scanned with the camera; the core reads it. */
class CodeActivity : SecureActivity() {
    private lateinit var presenter: HomePresenter
    private lateinit var typed: android.widget.EditText

    override fun create(session: ProfileSession?) {
        presenter = HomePresenter(session!!, ZoneId.systemDefault(), resources.configuration.locales[0])
        column.title(s(T.code_title))
        typed = column.field(s(T.code_type_hint))
        column.button(s(T.code_use)) { adopt(typed.text.toString()) }
        column.button(s(T.code_scan)) { startActivityForResult(Intent(this, ScanActivity::class.java), SCAN) }
        column.button(s(T.back)) { finish() }
    }

    private fun adopt(text: String) {
        workOrSay({ presenter.adoptCode(text) }) { code -> column.text(s(T.code_saved, code)) }
    }

    @Deprecated("Activity results without AndroidX")
    override fun onActivityResult(requestCode: Int, resultCode: Int, data: Intent?) {
        super.onActivityResult(requestCode, resultCode, data)
        val scanned = data?.getStringExtra(ScanActivity.EXTRA_TEXT)
        if (requestCode == SCAN && resultCode == RESULT_OK && scanned != null) adopt(scanned)
    }

    companion object {
        const val SCAN = 7
    }
}

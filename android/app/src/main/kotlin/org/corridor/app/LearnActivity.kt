package org.corridor.app

import android.content.Intent
import org.corridor.app.platform.HubConfig
import org.corridor.app.presenter.LearnPresenter
import org.corridor.app.text.T
import org.corridor.ffi.ProfileSession

/** Learn: the installed modules in the person's language, and search across them. */
class LearnActivity : SecureActivity() {
    private lateinit var presenter: LearnPresenter

    override fun create(session: ProfileSession?) {
        presenter = LearnPresenter(session!!, language.tag)
        render()
    }

    private fun render() {
        column.clear()
        column.title(s(T.learn_title))
        val words = column.field(s(T.learn_search_hint))
        column.button(s(T.learn_search)) {
            workOrSay({ presenter.search(words.text.toString()) }) { hits ->
                render()
                column.heading(s(T.learn_search))
                if (hits.isEmpty()) column.text(s(T.learn_no_results))
                for (hit in hits) {
                    column.button(hit.title) { open(hit.id, hit.language) }
                    column.text(hit.snippet)
                }
            }
        }
        workOrSay({ presenter.modules() }) { modules ->
            if (modules.isEmpty()) column.text(s(T.learn_no_content))
            for (module in modules) {
                column.button(module.title) { open(module.id, module.language) }
                if (module.quizzesTotal > 0u) column.text(s(T.learn_score, module.quizzesCorrect.toInt(), module.quizzesTotal.toInt()))
            }
            column.button(s(T.learn_update)) { update() }
            column.button(s(T.back)) { finish() }
        }
    }

    /** Installs the programme's newest signed content (all or nothing; the core verifies it). */
    private fun update() {
        val vault = app.corridor.vault
        workOrSay({
            HubConfig.trustShippedRoot(this, vault)
            val hub = HubConfig.hub(this, vault) ?: error("no hub")
            hub.use { vault.updateContent(it, null) }
            vault.installedContentVersion() ?: 0uL
        }) { version ->
            render()
            column.text(s(T.learn_updated, version.toLong()))
        }
    }

    private fun open(id: String, moduleLanguage: String) {
        startActivity(
            Intent(this, ModuleActivity::class.java)
                .putExtra(ModuleActivity.EXTRA_ID, id)
                .putExtra(ModuleActivity.EXTRA_LANGUAGE, moduleLanguage),
        )
    }
}

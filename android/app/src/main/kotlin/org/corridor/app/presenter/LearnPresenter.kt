package org.corridor.app.presenter

import org.corridor.ffi.ContentModule
import org.corridor.ffi.ContentSearchHit
import org.corridor.ffi.ModuleSummary
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.QuizResult

/**
 * Learn: the installed modules in the person's language (the core falls back when a module is
 * not translated), search, one module's blocks, and quiz answers the core marks.
 */
class LearnPresenter(private val session: ProfileSession, val language: String) {
    fun modules(): List<ModuleSummary> = session.contentModules(language)

    fun search(words: String): List<ContentSearchHit> =
        if (words.isBlank()) emptyList() else session.contentSearch(words.trim(), language)

    fun module(id: String, moduleLanguage: String = language): ContentModule = session.contentModule(id, moduleLanguage)

    fun answer(module: ContentModule, quizId: String, chosen: Set<Int>): QuizResult =
        session.answerQuiz(module.id, module.language, quizId, chosen.sorted().map { it.toUInt() })

    fun asset(module: ContentModule, name: String) = session.contentAsset(module.id, module.language, name)
}

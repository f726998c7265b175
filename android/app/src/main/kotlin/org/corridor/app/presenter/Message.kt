package org.corridor.app.presenter

import org.corridor.app.text.Language
import org.corridor.app.text.T
import org.corridor.ffi.CorridorException

/** A line for the person: a string of the table and its arguments (resolved by the view). */
data class Message(val text: T, val args: List<Any> = emptyList(), val problem: Boolean = false) {
    fun render(language: Language): String = text.text(language, *args.toTypedArray())
}

/**
 * What an error of the core means to the person. The core's reasons are short English phrases
 * naming the field; they are shown after a translated lead, never with what the person typed.
 */
fun messageOf(error: Throwable): Message = when (error) {
    is CorridorException.WrongPin -> Message(T.err_wrong_pin, listOf(error.attemptsLeft.toInt()), true)
    is CorridorException.TooManyAttempts -> Message(T.err_wait, listOf(error.retryAfterSecs.toLong()), true)
    is CorridorException.Locked -> Message(T.err_locked, problem = true)
    is CorridorException.InvalidInput -> Message(T.err_check, listOf(error.field, error.reason), true)
    is CorridorException.InvalidCode -> Message(T.err_code, listOf(error.problem.toString().lowercase().replace('_', ' ')), true)
    is CorridorException.Network -> Message(T.err_no_network, problem = true)
    is CorridorException.HubRefused -> Message(T.err_server, listOf(error.code), true)
    is CorridorException.StorageFull -> Message(T.err_storage_full, problem = true)
    is CorridorException -> Message(T.err_other, listOf(error.javaClass.simpleName), true)
    else -> Message(T.err_other, listOf(error.javaClass.simpleName), true)
}

/** Runs [work]; a core error becomes the message to show instead of a crash. */
inline fun <V> attempt(work: () -> V): Result<V> =
    try {
        Result.success(work())
    } catch (error: CorridorException) {
        Result.failure(error)
    }

package org.corridor.app

import android.graphics.BitmapFactory
import android.graphics.Color
import android.graphics.Typeface
import android.media.MediaDataSource
import android.media.MediaPlayer
import android.text.SpannableStringBuilder
import android.text.Spanned
import android.text.style.StyleSpan
import android.text.style.UnderlineSpan
import android.widget.CheckBox
import android.widget.ImageView
import org.corridor.app.presenter.LearnPresenter
import org.corridor.app.text.T
import org.corridor.ffi.CalloutKind
import org.corridor.ffi.ContentBlock
import org.corridor.ffi.ContentModule
import org.corridor.ffi.ProfileSession
import org.corridor.ffi.QuizInfo
import org.corridor.ffi.TextSpan

/**
 * One module, drawn natively from the core's block model: headings, paragraphs with strong and
 * emphasised spans, lists, images and audio from the installed assets, callouts, and quizzes the
 * core marks. Links are shown, not followed: a browser would keep them in its history.
 */
class ModuleActivity : SecureActivity() {
    private lateinit var presenter: LearnPresenter
    private var player: MediaPlayer? = null

    override fun create(session: ProfileSession?) {
        presenter = LearnPresenter(session!!, language.tag)
        val id = intent.getStringExtra(EXTRA_ID) ?: return finish()
        val moduleLanguage = intent.getStringExtra(EXTRA_LANGUAGE) ?: language.tag
        workOrSay({ presenter.module(id, moduleLanguage) }) { render(it) }
    }

    private fun render(module: ContentModule) {
        column.title(module.title)
        column.text(s(T.learn_minutes, module.readingMinutes.toInt()))
        if (module.awaitingClinicalReview) column.text(s(T.learn_awaiting_review))
        val reviewer = module.reviewedBy
        val date = module.reviewDate
        if (reviewer != null && date != null) column.text(s(T.learn_reviewed, reviewer, date))
        for (block in module.blocks) block(module, block)
        if (module.sources.isNotEmpty()) {
            column.heading(s(T.learn_sources))
            module.sources.forEach { column.text(listOfNotNull(it.title, it.url).joinToString(" · ")) }
        }
        column.button(s(T.back)) { finish() }
    }

    private fun block(module: ContentModule, block: ContentBlock) {
        when (block) {
            is ContentBlock.Heading -> column.heading(spans(block.text).toString())
            is ContentBlock.Paragraph -> column.text(spans(block.text))
            is ContentBlock.ItemList -> block.items.forEachIndexed { index, item ->
                val lead = if (block.ordered) "${index + 1}. " else "• "
                column.text(SpannableStringBuilder(lead).append(spans(item)))
            }
            is ContentBlock.Callout -> column.text(spans(block.text)).apply {
                setBackgroundColor(calloutColour(block.kind))
                val pad = column.dp(12)
                setPadding(pad, pad, pad, pad)
            }
            is ContentBlock.Image -> {
                val image = ImageView(this).apply {
                    contentDescription = block.alt
                    adjustViewBounds = true
                }
                column.view(image)
                workOrSay({ presenter.asset(module, block.asset).bytes }) { bytes ->
                    BitmapFactory.decodeByteArray(bytes, 0, bytes.size)?.let(image::setImageBitmap)
                }
            }
            is ContentBlock.Audio -> column.button(s(T.learn_play, block.title)) {
                workOrSay({ presenter.asset(module, block.asset).bytes }) { play(it) }
            }
            is ContentBlock.Quiz -> quiz(module, block.quiz)
        }
    }

    private fun quiz(module: ContentModule, quiz: QuizInfo) {
        column.heading(quiz.question)
        val boxes = quiz.choices.map { column.check(it.text) }
        if (!quiz.multiple) {
            boxes.forEach { box -> box.setOnCheckedChangeListener { _, on -> if (on) boxes.filter { it !== box }.forEach { it.isChecked = false } } }
        }
        val feedback = column.text("")
        column.button(s(T.quiz_check)) {
            val chosen = boxes.indices.filter { boxes[it].isChecked }.toSet()
            workOrSay({ presenter.answer(module, quiz.id, chosen) }) { result ->
                feedback.text = buildString {
                    append(s(if (result.correct) T.quiz_right else T.quiz_wrong))
                    result.feedback.filter { it.chosen || it.correct }.forEach {
                        append("\n").append(if (it.correct) "✓ " else "✗ ").append(it.text).append(": ").append(it.explanation)
                    }
                    append("\n").append(s(T.learn_score, result.quizzesCorrect.toInt(), result.quizzesTotal.toInt()))
                }
            }
        }
    }

    private fun spans(text: List<TextSpan>): CharSequence {
        val built = SpannableStringBuilder()
        for (span in text) {
            val start = built.length
            built.append(span.text)
            val end = built.length
            if (span.strong) built.setSpan(StyleSpan(Typeface.BOLD), start, end, Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
            if (span.emphasis) built.setSpan(StyleSpan(Typeface.ITALIC), start, end, Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
            if (span.link != null) built.setSpan(UnderlineSpan(), start, end, Spanned.SPAN_EXCLUSIVE_EXCLUSIVE)
        }
        return built
    }

    private fun calloutColour(kind: CalloutKind): Int = when (kind) {
        CalloutKind.URGENT -> Color.rgb(255, 214, 214)
        CalloutKind.WARNING -> Color.rgb(255, 236, 196)
        CalloutKind.TIP -> Color.rgb(214, 240, 214)
        CalloutKind.NOTE -> Color.rgb(228, 228, 240)
    }

    /** Plays an audio asset from memory: nothing is written to shared storage. */
    private fun play(bytes: ByteArray) {
        player?.release()
        player = MediaPlayer().apply {
            setDataSource(object : MediaDataSource() {
                override fun readAt(position: Long, buffer: ByteArray, offset: Int, size: Int): Int {
                    if (position >= bytes.size) return -1
                    val count = minOf(size.toLong(), bytes.size - position).toInt()
                    System.arraycopy(bytes, position.toInt(), buffer, offset, count)
                    return count
                }

                override fun getSize(): Long = bytes.size.toLong()
                override fun close() = Unit
            })
            setOnPreparedListener { it.start() }
            prepareAsync()
        }
    }

    override fun onStop() {
        player?.release()
        player = null
        super.onStop()
    }

    companion object {
        const val EXTRA_ID = "id"
        const val EXTRA_LANGUAGE = "language"
    }
}

package org.corridor.app.ui

import android.content.Context
import android.graphics.Canvas
import android.graphics.Color
import android.graphics.Paint
import android.view.View
import org.corridor.ffi.QrSymbol

/** Draws the core's QR symbol module by module, with the 4-module quiet zone, as a square. */
class QrView(context: Context, private val symbol: QrSymbol) : View(context) {
    private val dark = Paint().apply { color = Color.BLACK }

    override fun onMeasure(widthMeasureSpec: Int, heightMeasureSpec: Int) {
        val side = MeasureSpec.getSize(widthMeasureSpec).coerceAtMost(resources.displayMetrics.heightPixels / 2)
        setMeasuredDimension(side, side)
    }

    override fun onDraw(canvas: Canvas) {
        canvas.drawColor(Color.WHITE)
        val width = symbol.width.toInt()
        val cells = width + 2 * QUIET
        val cell = minOf(this.width, height).toFloat() / cells
        for (row in 0 until width) {
            for (column in 0 until width) {
                if (symbol.modules[row * width + column]) {
                    val left = (column + QUIET) * cell
                    val top = (row + QUIET) * cell
                    canvas.drawRect(left, top, left + cell, top + cell, dark)
                }
            }
        }
    }

    companion object {
        const val QUIET = 4
    }
}

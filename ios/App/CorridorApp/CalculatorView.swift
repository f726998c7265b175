import CorridorAppModel
import SwiftUI

/// The disguise: an iPhone-style calculator. Every tap goes to the view model at once.
struct CalculatorView: View {
    let model: CalculatorViewModel

    var body: some View {
        VStack(spacing: 12) {
            Spacer()
            Text(model.display)
                .font(.system(size: 88, weight: .light))
                .minimumScaleFactor(0.4)
                .lineLimit(1)
                .foregroundStyle(.white)
                .frame(maxWidth: .infinity, alignment: .trailing)
                .padding(.horizontal, 24)
                .gesture(DragGesture(minimumDistance: 20).onEnded { _ in model.backspace() })
            ForEach(model.rows.indices, id: \.self) { row in
                HStack(spacing: 12) {
                    ForEach(model.rows[row]) { button in
                        Button {
                            model.press(button.key)
                        } label: {
                            Text(model.label(of: button))
                                .font(.system(size: 34))
                                .frame(maxWidth: button.wide ? .infinity : 80, minHeight: 80)
                                .foregroundStyle(button.style == .function ? Color.black : Color.white)
                                .background(fill(for: button.style), in: Capsule())
                        }
                        .frame(maxWidth: button.wide ? .infinity : 80)
                    }
                }
            }
        }
        .padding(16)
        .background(Color.black.ignoresSafeArea())
    }

    private func fill(for style: CalculatorViewModel.Style) -> Color {
        switch style {
        case .digit: return Color(white: 0.2)
        case .operation: return .orange
        case .function: return Color(white: 0.65)
        }
    }
}

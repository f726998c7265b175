import Combine
import CorridorAppModel
import SwiftUI

struct RootView: View {
    let model: AppModel

    var body: some View {
        ZStack {
            switch model.screen {
            case .starting:
                PrivacyCover()
            case .setUp(let setUp):
                SetUpView(model: setUp)
            case .disguise(let calculator):
                CalculatorView(model: calculator)
            case .educatorSignIn(let signIn):
                EducatorSignInView(model: signIn)
            case .personal(let shell):
                PersonalView(shell: shell, quickExit: model.quickExit)
            case .educator(let educator):
                EducatorView(model: educator, quickExit: model.quickExit)
            }
            // The app switcher's snapshot is taken while inactive: it shows this cover only.
            if model.obscured {
                PrivacyCover()
            }
        }
        // Every touch postpones the core's auto-lock; the timer notices when it has struck.
        .simultaneousGesture(TapGesture().onEnded { model.userDidInteract() })
        .onReceive(Timer.publish(every: 5, on: .main, in: .common).autoconnect()) { _ in model.refreshLockState() }
    }
}

/// What the app switcher and a starting app show: an empty calculator.
struct PrivacyCover: View {
    var body: some View {
        ZStack(alignment: .bottomTrailing) {
            Color.black.ignoresSafeArea()
            Text("0")
                .font(.system(size: 88, weight: .light))
                .foregroundStyle(.white)
                .padding(24)
                .accessibilityLabel(L("cover.title"))
        }
    }
}

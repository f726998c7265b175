import Combine
import CorridorAppModel
import SwiftUI
import UIKit

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
            // The real cover is CoverWindow, above every window (sheets and dialogs included);
            // this one only keeps the root's own content hidden behind it.
            if model.obscured {
                PrivacyCover()
            }
        }
        // Every touch postpones the core's auto-lock; the timer notices when it has struck.
        .simultaneousGesture(TapGesture().onEnded { model.userDidInteract() })
        .onReceive(Timer.publish(every: 5, on: .main, in: .common).autoconnect()) { _ in model.refreshLockState() }
    }
}

/// A window of its own above every other window of the scene (alerts included), showing the
/// privacy cover while the app is inactive, in the background or on a captured screen. Presented
/// views (sheets, confirmation dialogs, the keyboard) belong to windows below it.
@MainActor
final class CoverWindow {
    static let shared = CoverWindow()
    private var window: UIWindow?

    func show(_ covered: Bool) {
        if covered, window == nil,
           let scene = UIApplication.shared.connectedScenes.compactMap({ $0 as? UIWindowScene }).first {
            let cover = UIWindow(windowScene: scene)
            cover.windowLevel = UIWindow.Level(rawValue: UIWindow.Level.alert.rawValue + 1)
            cover.rootViewController = UIHostingController(rootView: PrivacyCover())
            window = cover
        }
        window?.isHidden = !covered
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

extension View {
    /// Every text the person types: no autocorrection and no automatic capitals, so that nothing
    /// typed enters the keyboard's learned words or suggestions (a PIN, a recovery secret, a
    /// client code, a search, a note).
    func privateEntry() -> some View {
        autocorrectionDisabled().textInputAutocapitalization(.never)
    }
}

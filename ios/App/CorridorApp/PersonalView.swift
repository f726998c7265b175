import CorridorAppModel
import SwiftUI
import UserNotifications

/// The unlocked personal app: home, learn, report, settings, and quick exit everywhere.
struct PersonalView: View {
    @Bindable var shell: PersonalShell
    let quickExit: () -> Void

    var body: some View {
        TabView(selection: $shell.tab) {
            NavigationStack { HomeView(model: shell.home).toolbar { exitButton } }
                .tabItem { Label(L("tab.home"), systemImage: "house") }
                .tag(PersonalShell.Tab.home)
            NavigationStack { LearnView(model: shell.learn).toolbar { exitButton } }
                .tabItem { Label(L("tab.learn"), systemImage: "book") }
                .tag(PersonalShell.Tab.learn)
            NavigationStack { ReportView(model: shell.report).toolbar { exitButton } }
                .tabItem { Label(L("tab.report"), systemImage: "exclamationmark.bubble") }
                .tag(PersonalShell.Tab.report)
            NavigationStack { SettingsView(model: shell.settings).toolbar { exitButton } }
                .tabItem { Label(L("tab.settings"), systemImage: "gearshape") }
                .tag(PersonalShell.Tab.settings)
        }
        // Asked only once the app is open with the PIN, never on the calculator.
        .task { _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound, .badge]) }
    }

    private var exitButton: some ToolbarContent {
        ToolbarItem(placement: .topBarTrailing) {
            Button(L("common.quickExit"), systemImage: "xmark.circle.fill", action: quickExit)
        }
    }
}

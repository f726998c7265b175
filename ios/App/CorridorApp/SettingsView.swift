import CorridorAppModel
import CorridorFFI
import SwiftUI
import UIKit

struct SettingsView: View {
    let model: SettingsViewModel
    @State private var currentPin = ""
    @State private var newPin = ""
    @State private var confirmation = ""
    @State private var duressPin = ""
    @State private var eraseOnDuress = true
    @State private var typedSecret = ""
    @State private var quickDeleteWarning: Message?
    @State private var confirmingQuickDelete = false

    var body: some View {
        Form {
            Section(L("settings.pin")) {
                SecureField(L("settings.currentPin"), text: $currentPin).keyboardType(.numberPad).privateEntry()
                SecureField(L("settings.newPin"), text: $newPin).keyboardType(.numberPad).privateEntry()
                SecureField(L("setup.confirm"), text: $confirmation).keyboardType(.numberPad).privateEntry()
                Button(L("settings.changePin")) {
                    Task { await model.changePin(current: currentPin, new: newPin, confirmation: confirmation); clear() }
                }
            }
            Section(footer: Text(L("settings.duressHint"))) {
                SecureField(L("settings.duressPin"), text: $duressPin).keyboardType(.numberPad).privateEntry()
                Toggle(L("settings.eraseOnDuress"), isOn: $eraseOnDuress)
                Button(L("settings.setDuress")) {
                    Task { await model.setDuressPin(current: currentPin, duress: duressPin, eraseOnDuress: eraseOnDuress); clear() }
                }
                if model.hasDuressPin {
                    Button(L("settings.clearDuress")) { Task { await model.clearDuressPin(current: currentPin); clear() } }
                }
            }
            Section(footer: Text(L("settings.iconHint"))) {
                Picker(L("settings.cover"), selection: Binding(
                    get: { model.currentCover?.id ?? "calculator" },
                    set: { id in Task { await model.chooseCover(id); await applyIcon() } }
                )) {
                    ForEach(model.covers, id: \.id) { cover in Text(cover.appLabel).tag(cover.id) }
                }
                Toggle(L("settings.useCoverIcon"), isOn: Binding(
                    get: { model.usesCoverIcon },
                    set: { on in Task { await model.setUsesCoverIcon(on); await applyIcon() } }
                ))
            }
            Section(L("settings.recovery")) {
                if let secret = model.recoverySecretToShow {
                    Text(secret).font(.system(.body, design: .monospaced))
                    Text(L("settings.recoveryWriteDown")).font(.footnote)
                    TextField(L("settings.recoveryTypeBack"), text: $typedSecret).privateEntry()
                    Button(L("settings.recoveryConfirm")) { Task { await model.confirmRecoveryKit(typed: typedSecret); typedSecret = "" } }
                } else {
                    Button(model.hasRecoveryKit ? L("settings.recoveryRenew") : L("settings.recoveryCreate")) {
                        Task { await model.createRecoveryKit() }
                    }
                }
            }
            Section(footer: Text(L("settings.quickDeleteHint"))) {
                Button(L("settings.quickDelete"), role: .destructive) {
                    Task {
                        quickDeleteWarning = await model.quickDeleteWarning()
                        confirmingQuickDelete = true
                    }
                }
            }
            if model.dataProtectionIncomplete { Text(L("settings.protectionPending")).font(.footnote) }
            if let message = model.message { Text(text(message)) }
        }
        .navigationTitle(L("tab.settings"))
        .task { await model.load() }
        .onDisappear { model.forgetRecoverySecret() }
        .confirmationDialog(L("settings.quickDelete"), isPresented: $confirmingQuickDelete) {
            Button(L("settings.quickDeleteNow"), role: .destructive) { Task { await model.quickDelete() } }
        } message: {
            Text(quickDeleteWarning.map(text) ?? L("settings.quickDeleteHint"))
        }
    }

    private func clear() {
        currentPin = ""
        newPin = ""
        confirmation = ""
        duressPin = ""
    }

    /// Only when the person opted in: iOS then shows its own alert about the icon change.
    @MainActor private func applyIcon() async {
        guard UIApplication.shared.supportsAlternateIcons,
              UIApplication.shared.alternateIconName != model.alternateIconName else { return }
        try? await UIApplication.shared.setAlternateIconName(model.alternateIconName)
    }
}

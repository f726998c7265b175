import CorridorAppModel
import SwiftUI

/// First launch: the PIN twice, and the code on a clinic card if the person has one.
struct SetUpView: View {
    @Bindable var model: SetUpViewModel

    var body: some View {
        NavigationStack {
            Form {
                Section(footer: Text(L("setup.tabletHint"))) {
                    Toggle(L("setup.tablet"), isOn: $model.sharedTablet)
                    if model.sharedTablet {
                        TextField(L("setup.educatorName"), text: $model.educatorName).privateEntry()
                    }
                }
                Section(footer: Text(model.sharedTablet ? L("setup.tabletPinHint") : L("setup.pinHint"))) {
                    SecureField(L("setup.pin"), text: $model.pin).keyboardType(.numberPad).privateEntry()
                    SecureField(L("setup.confirm"), text: $model.confirmation).keyboardType(.numberPad).privateEntry()
                }
                if !model.sharedTablet {
                    Section(footer: Text(L("setup.codeHint"))) {
                        TextField(L("setup.code"), text: $model.clinicCardCode).privateEntry()
                            .textInputAutocapitalization(.characters)
                            .autocorrectionDisabled()
                    }
                }
                if let message = model.message {
                    Text(text(message)).foregroundStyle(.red)
                }
                Button(L("setup.start")) { Task { await model.setUp() } }
                    .disabled(model.busy)
            }
            .navigationTitle(L("setup.title"))
        }
    }
}

import CorridorAppModel
import CorridorFFI
import SwiftUI
import UIKit

/// A shared tablet's first screen: pick your name, type your PIN; or add a new educator.
struct EducatorSignInView: View {
    @Bindable var model: EducatorSignInViewModel

    var body: some View {
        NavigationStack {
            Form {
                Section(L("educator.pick")) {
                    Picker(L("educator.pick"), selection: $model.chosenProfileId) {
                        ForEach(model.profiles, id: \.id) { profile in
                            Text(profile.displayName ?? "").tag(Optional(profile.id))
                        }
                    }
                    .pickerStyle(.inline)
                    SecureField(L("educator.pin"), text: $model.pin).keyboardType(.numberPad).privateEntry()
                    Button(L("educator.signIn")) { Task { await model.signIn() } }
                        .disabled(model.chosenProfileId == nil)
                }
                Section(L("educator.add")) {
                    TextField(L("setup.educatorName"), text: $model.newName).privateEntry()
                    SecureField(L("setup.pin"), text: $model.newPin).keyboardType(.numberPad).privateEntry()
                    SecureField(L("setup.confirm"), text: $model.newPinConfirmation).keyboardType(.numberPad).privateEntry()
                    Button(L("educator.add")) { Task { await model.addEducator() } }
                }
                if let message = model.message { Text(text(message)).foregroundStyle(.red) }
            }
            .navigationTitle(L("educator.title"))
            .task { await model.load() }
        }
    }
}

/// Educator mode: the open session, the closed ones, the numbers, and the tablet's login.
struct EducatorView: View {
    let model: EducatorViewModel
    let quickExit: () -> Void
    @State private var username = ""
    @State private var password = ""
    @State private var site = ""
    @State private var kind: SessionKind = .group
    @State private var code = ""
    @State private var gender: Gender?
    @State private var ageBand: AgeBand?
    @State private var walkInGender: Gender = .female
    @State private var walkInAge: AgeBand = .from18To24
    @State private var walkIns = 1
    @State private var commodity: Commodity = .maleCondoms
    @State private var commodityCount = 10
    @State private var service: Service = .hivTesting
    @State private var notes = ""

    var body: some View {
        NavigationStack {
            Form {
                Section(L("educator.profile")) { Text(model.displayName ?? "") }
                if let open = model.openSession {
                    openSessionSections(open)
                } else {
                    Section(L("educator.newSession")) {
                        Picker(L("educator.site"), selection: $site) {
                            ForEach(model.sites, id: \.id) { site in Text(site.name).tag(site.id) }
                        }
                        Picker(L("educator.kind"), selection: $kind) {
                            Text(L("educator.kind.group")).tag(SessionKind.group)
                            Text(L("educator.kind.oneToOne")).tag(SessionKind.oneToOne)
                            Text(L("educator.kind.outreach")).tag(SessionKind.outreach)
                        }
                        Button(L("educator.start")) { Task { await model.start(site: site, kind: kind, modules: []) } }
                            .disabled(site.isEmpty)
                    }
                }
                Section(L("educator.sessions")) {
                    ForEach(model.sessions, id: \.id) { session in
                        HStack {
                            Text(Date(timeIntervalSince1970: TimeInterval(session.startedAt)), style: .date)
                            Text(session.site)
                            Spacer()
                            Text(String(format: L("educator.attendees"), String(session.attendees)))
                            Text(stateTitle(session.state)).foregroundStyle(.secondary)
                        }
                        .swipeActions {
                            if session.state == .sent {
                                Button(L("educator.correct")) { Task { await model.correct(session.id) } }
                            }
                        }
                    }
                    if let numbers = model.numbers {
                        Text(String(format: L("educator.numbers"), String(numbers.sessions), String(numbers.attendances), String(numbers.walkIns)))
                    }
                }
                Section(L("educator.hub")) {
                    if let account = model.account {
                        Text(String(format: L("educator.signedInAs"), account.username))
                        Button(L("educator.send")) { Task { await model.sync() } }.disabled(!model.canSync)
                        if let sync = model.lastSync {
                            Text(String(format: L("educator.waiting"), String(sync.waiting)))
                        }
                    } else {
                        TextField(L("educator.username"), text: $username).privateEntry()
                        SecureField(L("educator.password"), text: $password).privateEntry()
                        Button(L("educator.logIn")) {
                            Task {
                                await model.logIn(username: username, password: password, deviceLabel: UIDevice.current.name)
                                password = ""
                            }
                        }
                        .disabled(!model.canSync)
                    }
                }
                if let message = model.message { Text(text(message)).foregroundStyle(.red) }
            }
            .navigationTitle(L("educator.title"))
            .toolbar { Button(L("common.quickExit"), systemImage: "xmark.circle.fill", action: quickExit) }
            .task { await model.load() }
        }
    }

    @ViewBuilder private func openSessionSections(_ open: OpenSession) -> some View {
        Section(String(format: L("educator.attendees"), String(open.session.attendees))) {
            ForEach(open.attendees, id: \.code) { attendee in
                Text(attendee.code).font(.system(.body, design: .monospaced))
                    .swipeActions { Button(L("educator.remove"), role: .destructive) { Task { await model.removeAttendee(code: attendee.code) } } }
            }
            TextField(L("educator.code"), text: $code).privateEntry()
                .textInputAutocapitalization(.characters)
                .autocorrectionDisabled()
            Picker(L("educator.gender"), selection: $gender) {
                Text(L("educator.notSaid")).tag(Gender?.none)
                ForEach(EducatorViewModel.genders, id: \.self) { gender in Text(genderTitle(gender)).tag(Optional(gender)) }
            }
            Picker(L("educator.age"), selection: $ageBand) {
                Text(L("educator.notSaid")).tag(AgeBand?.none)
                ForEach(EducatorViewModel.ageBands, id: \.self) { band in Text(ageTitle(band)).tag(Optional(band)) }
            }
            Button(L("educator.attend")) {
                Task { await model.attend(code: code, gender: gender, ageBand: ageBand); code = "" }
            }
        }
        Section(L("educator.walkIns")) {
            Picker(L("educator.gender"), selection: $walkInGender) {
                ForEach(EducatorViewModel.genders, id: \.self) { gender in Text(genderTitle(gender)).tag(gender) }
            }
            Picker(L("educator.age"), selection: $walkInAge) {
                ForEach(EducatorViewModel.ageBands, id: \.self) { band in Text(ageTitle(band)).tag(band) }
            }
            Stepper(value: $walkIns, in: 1...500) { Text("\(walkIns)") }
            Button(L("educator.addWalkIns")) {
                Task { await model.addWalkIns(gender: walkInGender, ageBand: walkInAge, count: Int64(walkIns)) }
            }
        }
        Section(L("educator.commodities")) {
            Picker(L("educator.commodity"), selection: $commodity) {
                Text(L("educator.commodity.maleCondoms")).tag(Commodity.maleCondoms)
                Text(L("educator.commodity.femaleCondoms")).tag(Commodity.femaleCondoms)
                Text(L("educator.commodity.lubricant")).tag(Commodity.lubricant)
                Text(L("educator.commodity.selfTests")).tag(Commodity.hivSelfTestKits)
            }
            Stepper(value: $commodityCount, in: 1...10_000) { Text("\(commodityCount)") }
            Button(L("educator.addCommodity")) { Task { await model.addCommodity(commodity, count: Int64(commodityCount)) } }
        }
        Section(L("educator.referral")) {
            Picker(L("educator.service"), selection: $service) {
                ForEach(EducatorViewModel.services, id: \.self) { service in Text(serviceTitle(service)).tag(service) }
            }
            Button(L("educator.refer")) { Task { await model.addReferral(service, clinic: open.session.site) } }
        }
        Section(footer: Text(L("educator.notesHint"))) {
            TextField(L("educator.notes"), text: $notes, axis: .vertical).privateEntry()
            Button(L("educator.saveNotes")) { Task { await model.setNotes(notes) } }
        }
        Section {
            Button(L("educator.close")) { Task { await model.close() } }
            Button(L("educator.discard"), role: .destructive) { Task { await model.discard() } }
        }
    }

    private func stateTitle(_ state: SessionState) -> String {
        switch state {
        case .open: return L("educator.state.open")
        case .closed: return L("educator.state.closed")
        case .queued: return L("educator.state.queued")
        case .sent: return L("educator.state.sent")
        }
    }

    private func genderTitle(_ gender: Gender) -> String {
        switch gender {
        case .female: return L("educator.gender.female")
        case .male: return L("educator.gender.male")
        case .transgender: return L("educator.gender.transgender")
        case .other: return L("educator.gender.other")
        }
    }

    private func ageTitle(_ band: AgeBand) -> String {
        switch band {
        case .under18: return L("educator.age.under18")
        case .from18To24: return "18–24"
        case .from25To29: return "25–29"
        case .from30To34: return "30–34"
        case .from35To39: return "35–39"
        case .from40To49: return "40–49"
        case .from50: return L("educator.age.from50")
        }
    }

    private func serviceTitle(_ service: Service) -> String {
        switch service {
        case .hivTesting: return L("educator.service.hivTesting")
        case .prep: return L("educator.service.prep")
        case .pep: return L("educator.service.pep")
        case .art: return L("educator.service.art")
        case .sti: return L("educator.service.sti")
        case .contraception: return L("educator.service.contraception")
        case .tb: return L("educator.service.tb")
        case .violenceSupport: return L("educator.service.violenceSupport")
        case .mentalHealth: return L("educator.service.mentalHealth")
        case .other: return L("educator.service.other")
        }
    }
}

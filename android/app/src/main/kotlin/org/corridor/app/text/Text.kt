package org.corridor.app.text

import java.util.Locale

/** The languages the shell is translated into; anything else falls back to English. */
enum class Language(val tag: String) {
    EN("en"),
    PT("pt");

    companion object {
        fun of(locale: Locale): Language = if (locale.language == "pt") PT else EN
    }
}

/**
 * Every string the shell shows, in English and Portuguese. The names and texts are the same as
 * res/values/strings.xml and res/values-pt/strings.xml (a test holds them equal), so the XML is
 * what translators edit and Android Studio sees, while the views (built in code) and the tests
 * (without compiled resources) read this table. Formats follow Android's (`%1$s`, `%1$d`).
 * Shown before unlock, and so on a phone someone else may pick up: the application label, the
 * covers and the channel name, the set-up screen (first start only), the educator login of a
 * shared tablet, and the error messages those screens can show (a wrong PIN, a wait). None of
 * them may name the programme or what it is about: StringsTest checks every string the screens
 * shown before unlock use (found in their source) against a list of revealing words.
 */
@Suppress("EnumEntryName")
enum class T(val en: String, val pt: String) {
    // The application label, the launcher covers, the notification channel (shown before unlock).
    app_name("Calculator", "Calculadora"),
    cover_calculator("Calculator", "Calculadora"),
    cover_budget("Budget", "Orçamento"),
    channel_name("Alerts", "Alertas"),

    // Common
    back("Back", "Voltar"),
    save("Save", "Guardar"),
    saved("Saved", "Guardado"),
    working("Working…", "A trabalhar…"),
    err_wrong_pin("Wrong PIN. %1\$d tries left.", "PIN errado. Restam %1\$d tentativas."),
    err_wait("Too many tries. Wait %1\$d seconds.", "Demasiadas tentativas. Espere %1\$d segundos."),
    err_locked("Locked. Open it again from the calculator.", "Bloqueado. Abra de novo a partir da calculadora."),
    err_check("Please check %1\$s: %2\$s", "Verifique %1\$s: %2\$s"),
    err_code("This code is not valid: %1\$s", "Este código não é válido: %1\$s"),
    err_no_network("No connection now. It will be sent later.", "Sem ligação agora. Será enviado mais tarde."),
    err_server("The server refused it (%1\$s).", "O servidor recusou (%1\$s)."),
    err_storage_full("The phone is full. Free some space.", "O telefone está cheio. Liberte espaço."),
    err_other("Something went wrong: %1\$s", "Algo correu mal: %1\$s"),

    // Setup (first start only)
    setup_title("Set up", "Configurar"),
    setup_explain("Choose a PIN of at least 6 digits. To open the app later, type the PIN in the calculator and press =.", "Escolha um PIN de pelo menos 6 algarismos. Para abrir a aplicação depois, escreva o PIN na calculadora e carregue em =."),
    setup_code("Code from a card (optional)", "Código de um cartão (opcional)"),
    setup_personal("Set up this phone", "Configurar este telefone"),
    setup_name("Your name (educators)", "O seu nome (educadores)"),
    setup_educator("Set up a tablet shared by educators", "Configurar um tablet partilhado por educadores"),
    edu_pick("Who are you? Type your PIN, then tap your name.", "Quem é? Escreva o seu PIN e toque no seu nome."),

    // Home
    home_title("Home", "Início"),
    home_code("Your code", "O seu código"),
    home_code_explain("Show this at the clinic or to your peer educator.", "Mostre isto na clínica ou ao seu educador de pares."),
    home_no_code("No code yet", "Ainda sem código"),
    home_upcoming("Coming up", "A seguir"),
    home_nothing_upcoming("No reminders in the next 7 days.", "Sem lembretes nos próximos 7 dias."),
    nav_learn("Learn", "Aprender"),
    nav_report("Report violence", "Denunciar violência"),
    nav_settings("Settings", "Definições"),
    nav_lock("Lock now", "Bloquear agora"),
    nav_educator("Educator mode", "Modo educador"),

    // Codes
    code_title("Client code", "Código do cliente"),
    code_type_hint("Type the code, e.g. K7QM-4TX9-B2Q", "Escreva o código, ex. K7QM-4TX9-B2Q"),
    code_scan("Scan with the camera", "Ler com a câmara"),
    code_use("Use this code", "Usar este código"),
    code_saved("Code saved: %1\$s", "Código guardado: %1\$s"),
    scan_title("Point the camera at the code.", "Aponte a câmara para o código."),
    scan_no_permission("The camera is needed to scan. You can type the code instead.", "A câmara é necessária para ler. Pode escrever o código."),
    scan_no_camera("No camera found. Type the code instead.", "Nenhuma câmara encontrada. Escreva o código."),

    // Learn
    learn_title("Learn", "Aprender"),
    learn_search_hint("Search", "Pesquisar"),
    learn_search("Search", "Pesquisar"),
    learn_no_results("Nothing found.", "Nada encontrado."),
    learn_no_content("Nothing to read yet. Update the information.", "Ainda nada para ler. Atualize a informação."),
    learn_update("Update information", "Atualizar informação"),
    learn_updated("Information up to date (version %1\$d).", "Informação atualizada (versão %1\$d)."),
    learn_minutes("%1\$d min read", "%1\$d min de leitura"),
    learn_score("%1\$d of %2\$d quizzes right", "%1\$d de %2\$d questionários certos"),
    learn_awaiting_review("Awaiting clinical review", "À espera de revisão clínica"),
    learn_reviewed("Reviewed by %1\$s on %2\$s", "Revisto por %1\$s em %2\$s"),
    learn_sources("Sources", "Fontes"),
    learn_play("Play: %1\$s", "Ouvir: %1\$s"),
    quiz_check("Check answer", "Verificar resposta"),
    quiz_right("Right!", "Certo!"),
    quiz_wrong("Not quite.", "Não exatamente."),

    // Report
    report_title("Report violence", "Denunciar violência"),
    report_quick("Quick report (3 taps)", "Denúncia rápida (3 toques)"),
    report_full("Full report", "Denúncia completa"),
    report_sos("SOS: I need help now", "SOS: preciso de ajuda agora"),
    report_mine("Your reports", "As suas denúncias"),
    report_none("No reports.", "Sem denúncias."),
    report_queued("Your report is sealed and waiting to be sent. Only the team can open it.", "A sua denúncia está selada e à espera de ser enviada. Só a equipa a pode abrir."),
    report_key_old("The team key on this phone may be out of date: update the information.", "A chave da equipa neste telefone pode estar desatualizada: atualize a informação."),
    report_line("%1\$s · %2\$s · %3\$s", "%1\$s · %2\$s · %3\$s"),
    kind_quick("Quick", "Rápida"),
    kind_full("Full", "Completa"),
    kind_sos("SOS", "SOS"),
    q_what("What happened?", "O que aconteceu?"),
    q_when("When?", "Quando?"),
    q_want("What do you want?", "O que deseja?"),
    what_physical("Physical violence", "Violência física"),
    what_sexual("Sexual violence", "Violência sexual"),
    what_emotional("Insults or threats", "Insultos ou ameaças"),
    what_robbery("Robbery or money taken", "Roubo ou dinheiro tirado"),
    what_police("Arrest or police harassment", "Detenção ou assédio policial"),
    what_refused("Refused a service", "Serviço recusado"),
    what_other("Something else", "Outra coisa"),
    when_today("Today", "Hoje"),
    when_three_days("In the last 3 days", "Nos últimos 3 dias"),
    when_earlier("Earlier", "Antes disso"),
    want_contact("Contact me", "Contactem-me"),
    want_medical("Urgent medical help", "Ajuda médica urgente"),
    want_record("Just record it", "Apenas registar"),
    pep_title("Get PEP now", "Tome a PEP agora"),
    pep_body("PEP can stop HIV after sexual violence. Start it as soon as you can: %1\$d hours left.", "A PEP pode impedir o VIH depois de violência sexual. Comece o mais cedo possível: restam %1\$d horas."),
    ec_title("Emergency contraception", "Contraceção de emergência"),
    ec_body("It can prevent pregnancy: %1\$d hours left.", "Pode evitar a gravidez: restam %1\$d horas."),
    pep_reminder("Remind me to take PEP every day", "Lembrar-me de tomar a PEP todos os dias"),
    pep_reminder_set("PEP reminders set.", "Lembretes da PEP definidos."),
    clinics_title("Clinics that can help", "Clínicas que podem ajudar"),
    clinic_open("open now", "aberta agora"),
    clinic_closed("closed now", "fechada agora"),
    clinic_line("%1\$s, %2\$s · %3\$s · %4\$s", "%1\$s, %2\$s · %3\$s · %4\$s"),
    continue_("Continue", "Continuar"),
    sos_sent("Your call for help is sealed and goes first. Call or text:", "O seu pedido de ajuda está selado e vai primeiro. Ligue ou envie SMS:"),
    state_queued("waiting to send", "à espera de envio"),
    state_sent("sent", "enviada"),
    state_received("received by the team", "recebida pela equipa"),
    state_refused("refused by the server", "recusada pelo servidor"),
    state_not_sent("not sent: file it again", "não enviada: envie de novo"),
    full_kinds("What happened? (all that apply)", "O que aconteceu? (tudo o que se aplica)"),
    full_days_ago("How many days ago? (0 = today)", "Há quantos dias? (0 = hoje)"),
    full_who("Who did it?", "Quem fez isto?"),
    who_client("A client", "Um cliente"),
    who_police("Police", "Polícia"),
    who_partner("A partner", "Um parceiro"),
    who_family("Family or community", "Família ou comunidade"),
    who_peer("Another sex worker", "Outra trabalhadora do sexo"),
    who_manager("A manager", "Um gerente"),
    who_unknown("I do not know", "Não sei"),
    full_help("What help do you need?", "De que ajuda precisa?"),
    help_medical("Medical care", "Cuidados médicos"),
    help_pep("PEP and emergency contraception", "PEP e contraceção de emergência"),
    help_legal("Legal help", "Ajuda jurídica"),
    help_counselling("Counselling", "Aconselhamento"),
    help_safe_place("A safe place", "Um lugar seguro"),
    help_nothing("Nothing now", "Nada agora"),
    full_consent("What may the team do?", "O que pode a equipa fazer?"),
    consent_statistics("Count it, nothing more", "Contar, nada mais"),
    consent_contact("Contact me", "Contactar-me"),
    consent_warn("Warn others without naming me", "Avisar outras sem me identificar"),
    consent_police("Help me go to the police", "Ajudar-me a ir à polícia"),
    full_contact_when("A safe time to reach me", "Uma hora segura para me contactar"),
    full_contact_number("A safe number", "Um número seguro"),
    full_place("Where (a few words, optional)", "Onde (poucas palavras, opcional)"),
    full_injuries("Injuries (optional)", "Ferimentos (opcional)"),
    full_text("Tell us more (optional)", "Conte mais (opcional)"),
    full_keep_copy("Keep a private copy on this phone", "Guardar uma cópia privada neste telefone"),
    full_submit("Seal and send", "Selar e enviar"),

    // Settings
    settings_title("Settings", "Definições"),
    pin_change("Change PIN", "Mudar o PIN"),
    pin_current("Current PIN", "PIN atual"),
    pin_new("New PIN", "Novo PIN"),
    pin_repeat("New PIN again", "Novo PIN outra vez"),
    pin_mismatch("The two new PINs differ.", "Os dois novos PIN são diferentes."),
    pin_changed("PIN changed.", "PIN mudado."),
    duress_title("Duress PIN", "PIN de coação"),
    duress_explain("A second PIN that opens a harmless profile if someone forces you.", "Um segundo PIN que abre um perfil inofensivo se alguém o obrigar."),
    duress_pin("Duress PIN", "PIN de coação"),
    duress_erase("Erase my real data when it is used", "Apagar os meus dados reais quando for usado"),
    duress_set("Set duress PIN", "Definir PIN de coação"),
    duress_clear("Remove duress PIN", "Remover PIN de coação"),
    duress_is_set("A duress PIN is set.", "Está definido um PIN de coação."),
    duress_not_set("No duress PIN.", "Sem PIN de coação."),
    cover_title("Disguise", "Disfarce"),
    cover_texts("Notification wording, one per line (empty: the disguise's own)", "Texto das notificações, um por linha (vazio: o do disfarce)"),
    autolock_title("Lock when idle for", "Bloquear quando inativo durante"),
    autolock_minutes("%1\$d min", "%1\$d min"),
    exact_alarms("Remind me at the exact time", "Lembrar-me à hora exata"),
    exact_alarms_explain("Without this, reminders may come up to 10 minutes late.", "Sem isto, os lembretes podem chegar até 10 minutos mais tarde."),
    recovery_title("Recovery kit", "Kit de recuperação"),
    recovery_create("Make a recovery kit", "Criar um kit de recuperação"),
    recovery_show("Write this down and keep it somewhere safe. It is shown only once:", "Escreva isto e guarde num lugar seguro. Só é mostrado uma vez:"),
    recovery_confirm_hint("Type it again to confirm", "Escreva de novo para confirmar"),
    recovery_confirm("Confirm", "Confirmar"),
    recovery_done("Recovery kit confirmed.", "Kit de recuperação confirmado."),
    recovery_has("You have a recovery kit.", "Tem um kit de recuperação."),
    quick_delete_title("Quick delete", "Apagar rápido"),
    quick_delete_explain("Erase everything on this phone now. It cannot be undone. In the calculator, holding the display for 3 seconds does the same.", "Apagar tudo neste telefone agora. Não pode ser desfeito. Na calculadora, manter o ecrã premido 3 segundos faz o mesmo."),
    quick_delete_pending("%1\$d closed sessions not yet sent will be lost.", "Perder-se-ão %1\$d sessões fechadas ainda não enviadas."),
    quick_delete_confirm("Erase everything", "Apagar tudo"),

    // Educator mode
    edu_title("Educator mode", "Modo educador"),
    edu_sessions("Sessions", "Sessões"),
    edu_no_sessions("No sessions yet.", "Ainda sem sessões."),
    edu_new_session("Start a session", "Iniciar uma sessão"),
    edu_site("Where?", "Onde?"),
    edu_kind("What kind of session?", "Que tipo de sessão?"),
    edu_kind_group("Group", "Grupo"),
    edu_kind_one("One to one", "Individual"),
    edu_kind_outreach("Outreach", "Trabalho de proximidade"),
    edu_topics("Topics covered", "Temas abordados"),
    edu_open("Open session: %1\$s at %2\$s", "Sessão aberta: %1\$s em %2\$s"),
    edu_attendance("Attendance", "Presenças"),
    edu_attendees("%1\$d people with a code", "%1\$d pessoas com código"),
    edu_add_attendee("Add by code", "Adicionar por código"),
    edu_scan_code("Scan a code", "Ler um código"),
    edu_remove("Remove %1\$s", "Remover %1\$s"),
    edu_commodities("Commodities given", "Produtos entregues"),
    edu_commodity_line("%1\$s: %2\$d", "%1\$s: %2\$d"),
    commodity_male_condoms("Male condoms", "Preservativos masculinos"),
    commodity_female_condoms("Female condoms", "Preservativos femininos"),
    commodity_lubricant("Lubricant", "Lubrificante"),
    commodity_self_tests("HIV self-test kits", "Autotestes de VIH"),
    edu_referrals("Referrals", "Encaminhamentos"),
    edu_referral_line("%1\$s → %2\$s", "%1\$s → %2\$s"),
    edu_refer_to("Refer to", "Encaminhar para"),
    service_hiv_testing("HIV testing", "Teste de VIH"),
    service_prep("PrEP", "PrEP"),
    service_pep("PEP", "PEP"),
    service_art("ART", "TARV"),
    service_sti("STI care", "Cuidados de ITS"),
    service_contraception("Contraception", "Contraceção"),
    service_tb("TB", "TB"),
    service_violence("Violence support", "Apoio em caso de violência"),
    service_mental_health("Mental health", "Saúde mental"),
    service_other("Other", "Outro"),
    edu_close_session("Close session", "Fechar sessão"),
    edu_discard("Discard this session", "Descartar esta sessão"),
    edu_session_line("%1\$s · %2\$s · %3\$d people · %4\$s", "%1\$s · %2\$s · %3\$d pessoas · %4\$s"),
    edu_state_open("open", "aberta"),
    edu_state_closed("closed", "fechada"),
    edu_state_queued("waiting to send", "à espera de envio"),
    edu_state_sent("sent", "enviada"),
    edu_numbers("This month: %1\$d sessions, %2\$d attendances, %3\$d waiting to send.", "Este mês: %1\$d sessões, %2\$d presenças, %3\$d à espera de envio."),
    edu_sync("Send to the hub", "Enviar para o servidor"),
    edu_sync_result("Sent %1\$d, waiting %2\$d, refused %3\$d.", "Enviadas %1\$d, à espera %2\$d, recusadas %3\$d."),
    edu_login("Log in to the hub", "Entrar no servidor"),
    edu_username("Username", "Utilizador"),
    edu_password("Password", "Palavra-passe"),
    ;

    /** The text in [language], formatted with [args] as Android's getString(id, args) would. */
    fun text(language: Language, vararg args: Any): String {
        val pattern = if (language == Language.PT) pt else en
        return if (args.isEmpty()) pattern else String.format(Locale.ROOT, pattern, *args)
    }

    /** The resource name (`continue` is a Kotlin keyword, so its entry ends in `_`). */
    val resourceName: String get() = name.removeSuffix("_")
}

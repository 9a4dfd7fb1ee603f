import { createUser, XMLID } from "./base-data.js";
import { plaintextToHtml } from "./html.js";
import { newMessageId } from "./mail.js";
import { odooNow, type OdooStore, type Vals } from "./store.js";

/** A Taiwanese law firm: the sandbox's data, the eval golden set's and most tests'. */

export interface SampleCase {
  id: number;
  number: string;
  state: string;
  partnerId: number;
  paralegalUid: number;
  lawyerUid: number;
  /** Newest first, the order Odoo gives `update_ids` in. */
  visibleUpdateIds: number[];
  internalUpdateIds: number[];
}

export interface SampleClient {
  partnerId: number;
  name: string;
  email: string | false;
  lang: "zh_TW" | "en_US";
  /** Matters whose `partner_id` is this partner (a contact's company's matters are on the company). */
  caseIds: number[];
}

export interface SampleFirm {
  today: string;
  companyPartnerId: number;
  users: { admin: number; bot: number; paralegal: number; paralegal2: number; lawyer: number; lawyer2: number };
  teams: { clientService: number; reviewDesk: number };
  clients: {
    meiling: SampleClient & { lineUserId: string };
    zhiming: SampleClient;
    emily: SampleClient;
    /** 台灣精密科技股份有限公司, the company the labor and commercial matters belong to. */
    company: SampleClient;
    /** 王大同, the company's contact person; his commercial partner is the company. */
    datong: SampleClient;
    xiaohua: SampleClient;
    sharedA: SampleClient;
    sharedB: SampleClient;
  };
  cases: {
    family: SampleCase;
    familyArchived: SampleCase;
    civil: SampleCase;
    civilClosedRecently: SampleCase;
    civilClosedLongAgo: SampleCase;
    contract: SampleCase;
    labor: SampleCase;
    commercialSettled: SampleCase;
  };
  tickets: { zhimingEmail: { id: number; messageId: number } };
  sharedEmail: string;
}

const day = (today: Date, offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

export function seedSampleFirm(store: OdooStore, opts: { today?: Date } = {}): SampleFirm {
  const today = opts.today ?? new Date();
  const d = (offset: number) => day(today, offset);
  const companyPartnerId = store.ref(XMLID.company);
  store.write("res.partner", [companyPartnerId], {
    name: "明理聯合法律事務所",
    email: "service@mingli-law.example.tw",
    phone: "+886 2 2345 6789",
  });
  const staff = (login: string, name: string) =>
    createUser(store, { login, name, email: `${login}@mingli-law.example.tw`, parentId: companyPartnerId });
  const users = {
    admin: store.ref(XMLID.admin),
    bot: store.ref(XMLID.bot),
    paralegal: staff("shufen.li", "李淑芬"),
    paralegal2: staff("yating.huang", "黃雅婷"),
    lawyer: staff("jianhong.lin", "林建宏 律師"),
    lawyer2: staff("yijun.wu", "吳怡君 律師"),
  };
  const teams = {
    clientService: store.create("helpdesk.ticket.team", {
      name: "客服 / Client Service",
      user_id: users.paralegal,
      lexreply_enabled: true,
      lexreply_policy: "auto",
    }),
    reviewDesk: store.create("helpdesk.ticket.team", {
      name: "Review Desk",
      user_id: users.paralegal2,
      lexreply_enabled: true,
      lexreply_policy: "review",
    }),
  };
  store.setParam("lexreply.default_policy", "review");
  store.setParam("lexreply.line_team_id", String(teams.clientService));

  const client = (vals: Vals & { name: string; lang?: "zh_TW" | "en_US" }): SampleClient => {
    const lang = vals.lang ?? "zh_TW";
    const partnerId = store.create("res.partner", { ...vals, lang });
    return { partnerId, name: vals.name, email: (vals.email as string | undefined) ?? false, lang, caseIds: [] };
  };
  const lineUserId = "U1111111111111111111111111111111a";
  const meiling = {
    ...client({
      name: "陳美玲",
      email: "meiling.chen@example.tw",
      phone: "0912-345-678",
      title: "女士",
      lexreply_line_user_id: lineUserId,
      lexreply_line_verified_at: `${d(-40)} 09:12:00`,
    }),
    lineUserId,
  };
  const zhiming = client({ name: "林志明", email: "zhiming.lin@example.tw", title: "先生" });
  const emily = client({ name: "Emily Carter", email: "emily.carter@example.com", title: "Ms.", lang: "en_US", phone: "+1 415 555 0142" });
  const company = client({ name: "台灣精密科技股份有限公司", email: "legal@twprecision.example.tw", is_company: true, phone: "03-578-1234" });
  const datong = client({ name: "王大同", email: "datong.wang@twprecision.example.tw", title: "先生", parent_id: company.partnerId });
  const xiaohua = client({ name: "張小華", email: "xiaohua.chang@example.tw", title: "小姐" });
  const sharedEmail = "shared@example.tw";
  const sharedA = client({ name: "周家豪", email: sharedEmail, title: "先生" });
  const sharedB = client({ name: "周家瑜", email: sharedEmail, title: "小姐" });

  const addCase = (
    owner: SampleClient,
    vals: Vals & { number: string; state: string },
    updates: [offset: number, summary: string, visible: boolean][],
    who: { paralegal: number; lawyer: number },
  ): SampleCase => {
    const id = store.create("legal.case", { ...vals, partner_id: owner.partnerId, paralegal_id: who.paralegal, user_id: who.lawyer });
    owner.caseIds.push(id);
    const made = updates
      .map(([offset, summary, visible]) => ({
        id: store.create("legal.case.update", { case_id: id, date: d(offset), summary, client_visible: visible }),
        visible,
      }))
      .reverse();
    if (vals.closed_date) store.write("legal.case", [id], { write_date: `${vals.closed_date} 10:00:00` });
    return {
      id,
      number: vals.number,
      state: vals.state,
      partnerId: owner.partnerId,
      paralegalUid: who.paralegal,
      lawyerUid: who.lawyer,
      visibleUpdateIds: made.filter((u) => u.visible).map((u) => u.id),
      internalUpdateIds: made.filter((u) => !u.visible).map((u) => u.id),
    };
  };
  const teamA = { paralegal: users.paralegal, lawyer: users.lawyer };
  const teamB = { paralegal: users.paralegal2, lawyer: users.lawyer2 };

  const cases = {
    family: addCase(
      meiling,
      {
        number: "2026-FAM-0012",
        name: "陳美玲 離婚及未成年子女親權酌定事件",
        case_type: "family",
        state: "hearing_scheduled",
        court: "臺灣臺北地方法院",
        next_event_date: d(12),
        next_event: "下午 2:30 言詞辯論",
        client_summary:
          "本件離婚及子女親權酌定事件已完成調解程序，調解未成立，法院已排定言詞辯論期日。請於開庭前一週與承辦律師確認出庭事項，並攜帶身分證件準時到庭。",
        internal_note:
          "<p>律師費 NT$180,000（已收 NT$90,000，餘款開庭前收）。對造張國強任職於宏遠營造，疑有隱匿財產（信義區房產登記於其母名下）；對造律師私下表示可接受和解金 NT$2,000,000。</p>",
      },
      [
        [-60, "已向臺灣臺北地方法院遞狀提起離婚及酌定未成年子女親權之訴。", true],
        [-35, "法院通知進行調解，調解期日當事人均到場，調解未成立。", true],
        [-20, "對造律師來電試探和解，提出和解金 NT$1,500,000，當事人底線為 NT$2,200,000，暫不回覆。", false],
        [-7, "法院已寄發開庭通知，排定言詞辯論期日。", true],
      ],
      teamA,
    ),
    familyArchived: addCase(
      meiling,
      {
        number: "2025-FAM-0040",
        name: "陳美玲 保護令聲請（重複立案，已封存）",
        case_type: "family",
        state: "intake",
        active: false,
        client_summary: "重複立案，已併入 2026-FAM-0012。",
      },
      [],
      teamA,
    ),
    civil: addCase(
      zhiming,
      {
        number: "2026-CIV-0007",
        name: "林志明 請求給付工程款事件",
        case_type: "civil",
        state: "waiting_court",
        court: "臺灣新北地方法院",
        client_summary: "起訴狀及證據已提出，對造已提出答辯狀，目前等待法院排定下次庭期或通知補正。",
        internal_note: "<p>對造公司財務吃緊，可考慮聲請假扣押；預估訴訟費 NT$56,000 由當事人先墊。</p>",
      },
      [
        [-45, "已向臺灣新北地方法院起訴，請求給付工程尾款 NT$1,280,000。", true],
        [-18, "收到對造答辯狀，主張工程有瑕疵，本所已擬具反駁意見。", true],
        [-10, "內部評估：對造可能聲請鑑定，鑑定費約 NT$80,000。", false],
      ],
      teamA,
    ),
    civilClosedRecently: addCase(
      zhiming,
      {
        number: "2025-CIV-0031",
        name: "林志明 租賃押金返還事件",
        case_type: "civil",
        state: "closed",
        court: "臺灣新北地方法院板橋簡易庭",
        closed_date: d(-90),
        client_summary: "法院判決房東應返還押金 NT$96,000，判決已確定，押金已全數返還，本案結案。",
      },
      [
        [-150, "簡易庭言詞辯論終結。", true],
        [-95, "收到勝訴判決，判決已確定。", true],
        [-90, "押金已全數返還，本案結案。", true],
      ],
      teamA,
    ),
    civilClosedLongAgo: addCase(
      zhiming,
      {
        number: "2024-CIV-0015",
        name: "林志明 車禍損害賠償事件",
        case_type: "civil",
        state: "closed",
        closed_date: d(-730),
        client_summary: "雙方於調解委員會成立調解，賠償金已付清，本案結案。",
      },
      [[-730, "調解成立，賠償金已付清，結案。", true]],
      teamA,
    ),
    contract: addCase(
      emily,
      {
        number: "2026-CON-0003",
        name: "Emily Carter – distribution agreement review",
        case_type: "contract_review",
        state: "in_progress",
        client_summary:
          "We are reviewing the draft distribution agreement with Formosa Trading Co. First comments on exclusivity, termination and governing law are being prepared.",
        internal_note: "<p>Fixed fee NT$60,000. Counterparty's counsel is known to push Singapore arbitration; client may accept.</p>",
      },
      [
        [-9, "Draft agreement received and review started.", true],
        [-3, "First markup on exclusivity and termination clauses sent to the lawyer for sign-off.", true],
        [-2, "Partner suggested lowering the fee cap if the client signs the retainer for the follow-up deal.", false],
      ],
      teamB,
    ),
    labor: addCase(
      company,
      {
        number: "2026-LAB-0002",
        name: "台灣精密科技 資遣爭議勞資調解",
        case_type: "labor",
        state: "intake",
        client_summary: "已收到勞工局勞資爭議調解通知，正在整理資遣相關文件，將於調解前與貴公司確認立場。",
        internal_note: "<p>公司人資承認未依法預告；建議和解上限 NT$350,000。</p>",
      },
      [[-2, "已受理委任，收到新北市政府勞工局調解通知。", true]],
      teamB,
    ),
    commercialSettled: addCase(
      company,
      {
        number: "2025-COM-0019",
        name: "台灣精密科技 貨款爭議",
        case_type: "commercial",
        state: "settled",
        closed_date: d(-30),
        client_summary: "雙方已簽署和解書，對方分三期給付貨款，第一期款已入帳。",
      },
      [
        [-40, "雙方律師完成和解條件協商。", true],
        [-30, "和解書簽署完成，對方分三期給付。", true],
      ],
      teamB,
    ),
  };

  const ticket = store.create("helpdesk.ticket", {
    name: "請問工程款案件進度",
    description: plaintextToHtml("您好，想請問我的工程款案件目前進度如何？謝謝。"),
    partner_id: zhiming.partnerId,
    partner_email: `"林志明" <${zhiming.email}>`,
    team_id: teams.clientService,
    lexreply_channel: "email",
  });
  const message = store.create("mail.message", {
    model: "helpdesk.ticket",
    res_id: ticket,
    record_name: "請問工程款案件進度",
    subject: "請問工程款案件進度",
    body: plaintextToHtml("您好，想請問我的工程款案件目前進度如何？謝謝。"),
    message_type: "email",
    subtype_id: store.ref(XMLID.ticketCreated),
    author_id: zhiming.partnerId,
    email_from: `"林志明" <${zhiming.email}>`,
    message_id: newMessageId("helpdesk.ticket", ticket),
    date: odooNow(today),
  });

  return {
    today: d(0),
    companyPartnerId,
    users,
    teams,
    clients: { meiling, zhiming, emily, company, datong, xiaohua, sharedA, sharedB },
    cases,
    tickets: { zhimingEmail: { id: ticket, messageId: message } },
    sharedEmail,
  };
}

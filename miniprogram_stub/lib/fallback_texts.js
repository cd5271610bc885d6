// The built-in copy of GET /api/v1/client-texts in every language the stub ships, shown only
// while the server cannot be reached. Written by `npm run fallback-texts` from the backend's
// catalogs; tests/texts.test.js fails when it differs from what the server answers.
'use strict';

module.exports = {
  "en": {
    "locale": "en",
    "dir": "ltr",
    "privacy": {
      "title": "Your privacy",
      "body": "Before this mini program can use your phone number or the clipboard, WeChat asks you to agree to its privacy guide. The guide says what we collect, why, and how long we keep it.",
      "read_guide": "Read the privacy guide",
      "agree": "Agree",
      "disagree": "Disagree",
      "refused_phone": "Without your agreement, WeChat cannot share your phone number. You can still confirm your identity at a service point: go back and choose that option.",
      "refused_clipboard": "Without your agreement, we cannot copy the address for you. Press and hold it to copy it yourself."
    },
    "update": {
      "title": "New version",
      "body": "A new version of the mini program is ready. Restart now to use it?",
      "restart": "Yes",
      "later": "No"
    },
    "nav": {
      "verify": "Verify",
      "card": "Card",
      "permit": "Permit",
      "insurances": "Insurances",
      "contributions": "Contributions",
      "qr": "QR code",
      "notices": "Notices",
      "guides": "Guides",
      "settings": "Settings",
      "help_desk": "Help desk"
    },
    "icons": {
      "subscribe": "Get alerts for new notices",
      "subscribed": "Alerts for new notices are on",
      "language": "Language",
      "change": "Change"
    }
  },
  "zh_Hans": {
    "locale": "zh_Hans",
    "dir": "ltr",
    "privacy": {
      "title": "您的隐私",
      "body": "本小程序使用您的手机号码或剪贴板之前，微信会请您同意本小程序的隐私保护指引。指引说明我们收集哪些信息、用途是什么，以及保存多长时间。",
      "read_guide": "阅读隐私保护指引",
      "agree": "同意",
      "disagree": "不同意",
      "refused_phone": "未经您同意，微信无法分享您的手机号码。您仍可以到服务网点确认身份：请返回上一步，选择该方式。",
      "refused_clipboard": "未经您同意，我们无法为您复制该网址。请长按网址自行复制。"
    },
    "update": {
      "title": "新版本",
      "body": "小程序新版本已准备好。是否立即重启，使用新版本？",
      "restart": "重启",
      "later": "稍后"
    },
    "nav": {
      "verify": "身份核验",
      "card": "社保卡",
      "permit": "工作许可",
      "insurances": "社会保险",
      "contributions": "缴费记录",
      "qr": "二维码",
      "notices": "通知",
      "guides": "办事指南",
      "settings": "设置",
      "help_desk": "咨询客服"
    },
    "icons": {
      "subscribe": "接收新通知提醒",
      "subscribed": "已开启新通知提醒",
      "language": "语言",
      "change": "修改"
    }
  },
  "zh_Hant": {
    "locale": "zh_Hant",
    "dir": "ltr",
    "privacy": {
      "title": "您的隱私",
      "body": "本小程式使用您的手機號碼或剪貼簿之前，微信會請您同意本小程式的隱私保護指引。指引說明我們收集哪些資訊、用途是什麼，以及保存多久。",
      "read_guide": "閱讀隱私保護指引",
      "agree": "同意",
      "disagree": "不同意",
      "refused_phone": "未經您同意，微信無法分享您的手機號碼。您仍可以到服務網點確認身分：請返回上一步，選擇該方式。",
      "refused_clipboard": "未經您同意，我們無法為您複製該網址。請長按網址自行複製。"
    },
    "update": {
      "title": "新版本",
      "body": "小程式新版本已準備好。是否立即重新啟動，使用新版本？",
      "restart": "重新啟動",
      "later": "稍後"
    },
    "nav": {
      "verify": "身分核驗",
      "card": "社保卡",
      "permit": "工作許可",
      "insurances": "社會保險",
      "contributions": "繳費紀錄",
      "qr": "QR 碼",
      "notices": "通知",
      "guides": "辦事指南",
      "settings": "設定",
      "help_desk": "諮詢客服"
    },
    "icons": {
      "subscribe": "接收新通知提醒",
      "subscribed": "已開啟新通知提醒",
      "language": "語言",
      "change": "修改"
    }
  },
  "ko": {
    "locale": "ko",
    "dir": "ltr",
    "privacy": {
      "title": "개인정보 보호",
      "body": "이 미니 프로그램이 전화번호나 클립보드를 사용하기 전에 WeChat은 개인정보 처리방침에 동의해 달라고 요청합니다. 처리방침에는 수집하는 정보, 수집 목적, 보관 기간이 나와 있습니다.",
      "read_guide": "개인정보 처리방침 보기",
      "agree": "동의",
      "disagree": "동의 안 함",
      "refused_phone": "동의하지 않으면 WeChat이 전화번호를 공유할 수 없습니다. 서비스 창구에서 본인 확인을 할 수도 있습니다. 이전 화면으로 돌아가 그 방법을 선택하세요.",
      "refused_clipboard": "동의하지 않으면 주소를 대신 복사해 드릴 수 없습니다. 주소를 길게 눌러 직접 복사하세요."
    },
    "update": {
      "title": "새 버전",
      "body": "미니 프로그램의 새 버전이 준비되었습니다. 지금 다시 시작해 새 버전을 사용하시겠습니까?",
      "restart": "예",
      "later": "나중에"
    },
    "nav": {
      "verify": "본인 확인",
      "card": "카드",
      "permit": "취업허가",
      "insurances": "보험",
      "contributions": "납부 내역",
      "qr": "QR 코드",
      "notices": "공지",
      "guides": "안내",
      "settings": "설정",
      "help_desk": "고객센터"
    },
    "icons": {
      "subscribe": "새 공지 알림 받기",
      "subscribed": "새 공지 알림이 켜져 있습니다",
      "language": "언어",
      "change": "변경"
    }
  },
  "ja": {
    "locale": "ja",
    "dir": "ltr",
    "privacy": {
      "title": "プライバシーについて",
      "body": "このミニプログラムが電話番号やクリップボードを使う前に、WeChat からプライバシーガイドへの同意を求められます。ガイドには、収集する情報、その目的、保管する期間が書かれています。",
      "read_guide": "プライバシーガイドを読む",
      "agree": "同意する",
      "disagree": "同意しない",
      "refused_phone": "同意がないと、WeChat は電話番号を共有できません。窓口で本人確認を受けることもできます。前の画面に戻って、その方法を選んでください。",
      "refused_clipboard": "同意がないと、こちらでアドレスをコピーできません。アドレスを長押しして、ご自身でコピーしてください。"
    },
    "update": {
      "title": "新しいバージョン",
      "body": "ミニプログラムの新しいバージョンの準備ができました。今すぐ再起動して使いますか？",
      "restart": "はい",
      "later": "後で"
    },
    "nav": {
      "verify": "本人確認",
      "card": "カード",
      "permit": "就労許可",
      "insurances": "保険",
      "contributions": "納付記録",
      "qr": "QRコード",
      "notices": "お知らせ",
      "guides": "ガイド",
      "settings": "設定",
      "help_desk": "問い合わせ"
    },
    "icons": {
      "subscribe": "新しいお知らせの通知を受け取る",
      "subscribed": "新しいお知らせの通知はオンです",
      "language": "言語",
      "change": "変更"
    }
  },
  "ru": {
    "locale": "ru",
    "dir": "ltr",
    "privacy": {
      "title": "Ваша конфиденциальность",
      "body": "Прежде чем мини-программа сможет использовать ваш номер телефона или буфер обмена, WeChat попросит вас согласиться с её правилами конфиденциальности. В них сказано, какие данные мы собираем, зачем и как долго храним.",
      "read_guide": "Прочитать правила конфиденциальности",
      "agree": "Согласиться",
      "disagree": "Отказаться",
      "refused_phone": "Без вашего согласия WeChat не может передать ваш номер телефона. Подтвердить личность можно и в пункте обслуживания: вернитесь назад и выберите этот способ.",
      "refused_clipboard": "Без вашего согласия мы не можем скопировать адрес. Нажмите на него и удерживайте, чтобы скопировать самостоятельно."
    },
    "update": {
      "title": "Новая версия",
      "body": "Новая версия мини-программы готова. Перезапустить её сейчас?",
      "restart": "Да",
      "later": "Нет"
    },
    "nav": {
      "verify": "Проверка",
      "card": "Карта",
      "permit": "Разрешение",
      "insurances": "Страхование",
      "contributions": "Взносы",
      "qr": "QR-код",
      "notices": "Объявления",
      "guides": "Руководства",
      "settings": "Настройки",
      "help_desk": "Поддержка"
    },
    "icons": {
      "subscribe": "Получать оповещения о новых объявлениях",
      "subscribed": "Оповещения о новых объявлениях включены",
      "language": "Язык",
      "change": "Изменить"
    }
  },
  "fr": {
    "locale": "fr",
    "dir": "ltr",
    "privacy": {
      "title": "Votre vie privée",
      "body": "Avant que ce mini-programme puisse utiliser votre numéro de téléphone ou le presse-papiers, WeChat vous demande d'accepter sa politique de confidentialité. Elle indique quelles données nous collectons, pourquoi et combien de temps nous les conservons.",
      "read_guide": "Lire la politique de confidentialité",
      "agree": "Accepter",
      "disagree": "Refuser",
      "refused_phone": "Sans votre accord, WeChat ne peut pas transmettre votre numéro de téléphone. Vous pouvez toujours confirmer votre identité dans un point de service : revenez en arrière et choisissez cette option.",
      "refused_clipboard": "Sans votre accord, nous ne pouvons pas copier l'adresse pour vous. Appuyez longuement dessus pour la copier vous-même."
    },
    "update": {
      "title": "Nouvelle version",
      "body": "Une nouvelle version du mini-programme est prête. Redémarrer maintenant pour l'utiliser ?",
      "restart": "Oui",
      "later": "Non"
    },
    "nav": {
      "verify": "Vérification",
      "card": "Carte",
      "permit": "Permis",
      "insurances": "Assurances",
      "contributions": "Cotisations",
      "qr": "Code QR",
      "notices": "Avis",
      "guides": "Guides",
      "settings": "Réglages",
      "help_desk": "Assistance"
    },
    "icons": {
      "subscribe": "Recevoir une alerte pour les nouveaux avis",
      "subscribed": "Les alertes pour les nouveaux avis sont activées",
      "language": "Langue",
      "change": "Modifier"
    }
  },
  "de": {
    "locale": "de",
    "dir": "ltr",
    "privacy": {
      "title": "Ihre Privatsphäre",
      "body": "Bevor dieses Miniprogramm Ihre Telefonnummer oder die Zwischenablage verwenden kann, bittet WeChat Sie, seinen Datenschutzhinweisen zuzustimmen. Darin steht, welche Daten wir erheben, wozu und wie lange wir sie aufbewahren.",
      "read_guide": "Datenschutzhinweise lesen",
      "agree": "Zustimmen",
      "disagree": "Ablehnen",
      "refused_phone": "Ohne Ihre Zustimmung kann WeChat Ihre Telefonnummer nicht teilen. Sie können Ihre Identität auch bei einer Servicestelle bestätigen: Gehen Sie zurück und wählen Sie diese Möglichkeit.",
      "refused_clipboard": "Ohne Ihre Zustimmung können wir die Adresse nicht für Sie kopieren. Halten Sie sie gedrückt, um sie selbst zu kopieren."
    },
    "update": {
      "title": "Neue Version",
      "body": "Eine neue Version des Miniprogramms ist bereit. Jetzt neu starten, um sie zu verwenden?",
      "restart": "Ja",
      "later": "Nein"
    },
    "nav": {
      "verify": "Verifizierung",
      "card": "Karte",
      "permit": "Erlaubnis",
      "insurances": "Versicherungen",
      "contributions": "Beiträge",
      "qr": "QR-Code",
      "notices": "Mitteilungen",
      "guides": "Leitfäden",
      "settings": "Einstellungen",
      "help_desk": "Hilfe"
    },
    "icons": {
      "subscribe": "Bei neuen Mitteilungen benachrichtigen",
      "subscribed": "Benachrichtigungen bei neuen Mitteilungen sind an",
      "language": "Sprache",
      "change": "Ändern"
    }
  },
  "es": {
    "locale": "es",
    "dir": "ltr",
    "privacy": {
      "title": "Su privacidad",
      "body": "Antes de que este miniprograma pueda usar su número de teléfono o el portapapeles, WeChat le pide que acepte su guía de privacidad. La guía explica qué datos recogemos, para qué y durante cuánto tiempo los conservamos.",
      "read_guide": "Leer la guía de privacidad",
      "agree": "Aceptar",
      "disagree": "Rechazar",
      "refused_phone": "Sin su consentimiento, WeChat no puede compartir su número de teléfono. También puede confirmar su identidad en un punto de atención: vuelva atrás y elija esa opción.",
      "refused_clipboard": "Sin su consentimiento, no podemos copiar la dirección por usted. Manténgala pulsada para copiarla usted mismo."
    },
    "update": {
      "title": "Nueva versión",
      "body": "Hay una nueva versión del miniprograma lista. ¿Reiniciar ahora para usarla?",
      "restart": "Sí",
      "later": "No"
    },
    "nav": {
      "verify": "Verificación",
      "card": "Tarjeta",
      "permit": "Permiso",
      "insurances": "Seguros",
      "contributions": "Cotizaciones",
      "qr": "Código QR",
      "notices": "Avisos",
      "guides": "Guías",
      "settings": "Ajustes",
      "help_desk": "Ayuda"
    },
    "icons": {
      "subscribe": "Recibir alertas de nuevos avisos",
      "subscribed": "Las alertas de nuevos avisos están activadas",
      "language": "Idioma",
      "change": "Cambiar"
    }
  },
  "pt": {
    "locale": "pt",
    "dir": "ltr",
    "privacy": {
      "title": "Sua privacidade",
      "body": "Antes que este miniprograma possa usar seu número de telefone ou a área de transferência, o WeChat pede que você concorde com o guia de privacidade dele. O guia explica quais dados coletamos, por quê e por quanto tempo os guardamos.",
      "read_guide": "Ler o guia de privacidade",
      "agree": "Concordar",
      "disagree": "Recusar",
      "refused_phone": "Sem a sua concordância, o WeChat não pode compartilhar seu número de telefone. Você ainda pode confirmar sua identidade em um posto de atendimento: volte e escolha essa opção.",
      "refused_clipboard": "Sem a sua concordância, não podemos copiar o endereço para você. Toque e segure o endereço para copiá-lo você mesmo."
    },
    "update": {
      "title": "Nova versão",
      "body": "Uma nova versão do miniprograma está pronta. Reiniciar agora para usá-la?",
      "restart": "Sim",
      "later": "Não"
    },
    "nav": {
      "verify": "Verificação",
      "card": "Cartão",
      "permit": "Autorização",
      "insurances": "Seguros",
      "contributions": "Contribuições",
      "qr": "QR code",
      "notices": "Avisos",
      "guides": "Guias",
      "settings": "Configurações",
      "help_desk": "Ajuda"
    },
    "icons": {
      "subscribe": "Receber alertas de novos avisos",
      "subscribed": "Os alertas de novos avisos estão ativados",
      "language": "Idioma",
      "change": "Alterar"
    }
  },
  "vi": {
    "locale": "vi",
    "dir": "ltr",
    "privacy": {
      "title": "Quyền riêng tư của bạn",
      "body": "Trước khi chương trình mini này có thể dùng số điện thoại hoặc bộ nhớ tạm của bạn, WeChat sẽ đề nghị bạn đồng ý với hướng dẫn bảo vệ quyền riêng tư của chương trình mini. Hướng dẫn cho biết chúng tôi thu thập thông tin gì, để làm gì và lưu giữ trong bao lâu.",
      "read_guide": "Đọc hướng dẫn bảo vệ quyền riêng tư",
      "agree": "Đồng ý",
      "disagree": "Không đồng ý",
      "refused_phone": "Nếu bạn không đồng ý, WeChat không thể chia sẻ số điện thoại của bạn. Bạn vẫn có thể xác nhận danh tính tại điểm dịch vụ: hãy quay lại và chọn cách đó.",
      "refused_clipboard": "Nếu bạn không đồng ý, chúng tôi không thể sao chép địa chỉ giúp bạn. Hãy nhấn giữ địa chỉ để tự sao chép."
    },
    "update": {
      "title": "Phiên bản mới",
      "body": "Phiên bản mới của chương trình mini đã sẵn sàng. Khởi động lại ngay để sử dụng?",
      "restart": "Có",
      "later": "Chưa"
    },
    "nav": {
      "verify": "Xác minh",
      "card": "Thẻ",
      "permit": "Giấy phép",
      "insurances": "Bảo hiểm",
      "contributions": "Đóng bảo hiểm",
      "qr": "Mã QR",
      "notices": "Thông báo",
      "guides": "Hướng dẫn",
      "settings": "Cài đặt",
      "help_desk": "Hỗ trợ"
    },
    "icons": {
      "subscribe": "Nhận thông báo khi có tin mới",
      "subscribed": "Đã bật thông báo khi có tin mới",
      "language": "Ngôn ngữ",
      "change": "Sửa"
    }
  },
  "ar": {
    "locale": "ar",
    "dir": "rtl",
    "privacy": {
      "title": "خصوصيتك",
      "body": "قبل أن يتمكّن هذا البرنامج المصغّر من استخدام رقم هاتفك أو الحافظة، يطلب منك ⁨WeChat⁩ الموافقة على دليل الخصوصية الخاص به. يوضّح الدليل البيانات التي نجمعها، وسبب جمعها، والمدة التي نحتفظ بها.",
      "read_guide": "قراءة دليل الخصوصية",
      "agree": "أوافق",
      "disagree": "لا أوافق",
      "refused_phone": "بدون موافقتك، لا يستطيع ⁨WeChat⁩ مشاركة رقم هاتفك. لا يزال بإمكانك تأكيد هويتك في نقطة خدمة: ارجع واختر هذا الخيار.",
      "refused_clipboard": "بدون موافقتك، لا يمكننا نسخ العنوان نيابةً عنك. اضغط مطولًا على العنوان لتنسخه بنفسك."
    },
    "update": {
      "title": "إصدار جديد",
      "body": "إصدار جديد من البرنامج المصغّر جاهز. هل تريد إعادة التشغيل الآن لاستخدامه؟",
      "restart": "نعم",
      "later": "لا"
    },
    "nav": {
      "verify": "التحقق",
      "card": "البطاقة",
      "permit": "التصريح",
      "insurances": "التأمينات",
      "contributions": "الاشتراكات",
      "qr": "رمز ⁨QR⁩",
      "notices": "الإشعارات",
      "guides": "الأدلة",
      "settings": "الإعدادات",
      "help_desk": "المساعدة"
    },
    "icons": {
      "subscribe": "تلقّي تنبيهات بالإشعارات الجديدة",
      "subscribed": "تنبيهات الإشعارات الجديدة مفعّلة",
      "language": "اللغة",
      "change": "تغيير"
    }
  }
};

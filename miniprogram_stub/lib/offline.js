/**
 * The one text the stub carries itself: "cannot reach the service", for when the server that
 * supplies every other text cannot be reached. Keyed by the backend's locale ids.
 */
'use strict';

const { localeOf } = require('./language');

const MESSAGES = {
  en: 'Cannot reach the service. Check your connection and try again.',
  zh_Hans: '无法连接服务。请检查网络后重试。',
  zh_Hant: '無法連線服務。請檢查網路後再試。',
  ko: '서비스에 연결할 수 없습니다. 연결을 확인한 후 다시 시도하세요.',
  ja: 'サービスに接続できません。接続を確認して、もう一度お試しください。',
  ru: 'Сервис недоступен. Проверьте подключение и попробуйте снова.',
  fr: 'Service injoignable. Vérifiez votre connexion et réessayez.',
  de: 'Der Dienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  es: 'No se puede conectar con el servicio. Compruebe su conexión e inténtelo de nuevo.',
  pt: 'Não foi possível acessar o serviço. Verifique sua conexão e tente novamente.',
  vi: 'Không thể kết nối dịch vụ. Hãy kiểm tra kết nối và thử lại.',
  ar: 'تعذّر الوصول إلى الخدمة. تحقّق من الاتصال ثم حاول مرة أخرى.',
};

/** The table key for a WeChat language tag: the backend locale it maps to. */
function messageKey(tag) {
  return localeOf(tag);
}

/** The offline message in the user's WeChat language. */
function offlineMessage(tag) {
  return MESSAGES[messageKey(tag)];
}

module.exports = { offlineMessage, messageKey, MESSAGES };

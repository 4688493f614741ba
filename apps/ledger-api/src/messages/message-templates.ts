import { v5 as uuidv5 } from 'uuid';
import type { MessageContent } from '@pi-ledger/ledger-domain/messages/message.events';

/** The namespace of derived ids: the same reminder, greeting, invitation or survey of a service always gets the same id, so a sweep or a retry run twice records it once. */
const MESSAGE_ID_NAMESPACE = 'f3a8c2e4-55c1-4c8e-9a43-8d1f0e7b6a21';
export const derivedId = (...parts: string[]) => uuidv5(parts.join('/'), MESSAGE_ID_NAMESPACE);

const CHANNEL_ZH: Record<string, string> = { phone: '电话', sms: '短信', wechat: '微信', email: '邮件', visit: '上门', other: '' };

/** The centre's standard texts (Chinese, as its customers read them). */
export const templates = {
  birthday(name: string | undefined): MessageContent {
    return { subject: '生日快乐', body: `${name ? `${name}，` : ''}您好！今天是您的生日，健康管理中心全体同仁祝您生日快乐、身体健康！` };
  },
  followUpReminder(dueDate: string, channel: string): MessageContent {
    return { subject: '回访提醒', body: `您好！您的健康管理师将于 ${dueDate} 通过${CHANNEL_ZH[channel] ?? ''}与您联系，进行健康回访。如时间不便，请回复或致电中心调整。` };
  },
  checkupReminder(months: number): MessageContent {
    return { subject: '体检提醒', body: `您好！距您上次在本中心体检已满 ${months} 个月，建议您近期预约新一次健康体检。预约请回复或致电中心。` };
  },
  /** PIPL Art. 46: the customer learns its correction (or supplement) was made; only the request's number, nothing of the data. */
  changeNotice(requestId: string, supplement: boolean): MessageContent {
    const what = supplement ? '补充' : '更正';
    return { subject: `个人信息${what}已完成`, body: `您好！您申请的个人信息${what}已完成（申请编号：${requestId}）。如有疑问，请致电中心。` };
  },
  surveyInvitation(title: string, serviceDate: string, responseId: string): MessageContent {
    return {
      subject: `满意度调查：${title}`,
      body: `您好！感谢您 ${serviceDate} 接受我们的服务。请花一分钟完成「${title}」，您的意见将帮助我们改进。问卷编号：${responseId}`,
    };
  },
};

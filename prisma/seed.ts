// The demo workspace seeded on the embedded database's first run: an admin and a few managers
// in two teams, the example pipeline of the spec, and a few hundred deals with contacts and
// companies spread over its stages. Deterministic, so every fresh start looks the same.
import type { PrismaClient } from '../src/generated/prisma/client.js';
import type { Logger } from '../src/lib/logger.js';
import { hashPassword } from '../src/lib/tokens.js';
import { bootstrapWorkspace, MANAGER_ROLE } from '../src/modules/workspaces/workspace.service.js';
import { searchText } from '../src/kernel/records.js';
import { TRANSLIT } from '../src/lib/translit.js';

export type DemoLogin = { email: string; password: string };

export const DEMO_LOGIN: DemoLogin = { email: 'admin@demo.crm', password: 'demo12345' };

export const DEMO_PIPELINE = {
  name: 'Основная воронка',
  stages: [
    ['Заявка', 'OPEN'],
    ['Переговоры', 'OPEN'],
    ['Коммерческое предложение', 'OPEN'],
    ['Согласование условий', 'OPEN'],
    ['Договор', 'OPEN'],
    ['Предоплата', 'OPEN'],
    ['Проект', 'OPEN'],
    ['Оплата', 'OPEN'],
    ['Результат', 'OPEN'],
    ['Успешно реализовано', 'WON'],
    ['Закрыто и не реализовано', 'LOST'],
  ] as [string, 'OPEN' | 'WON' | 'LOST'][],
  lossReasons: ['Дорого', 'Выбрали конкурента', 'Нет бюджета', 'Не выходит на связь'],
};

const FIRST = [
  'Алексей',
  'Ольга',
  'Сергей',
  'Наталья',
  'Андрей',
  'Татьяна',
  'Павел',
  'Юлия',
  'Михаил',
  'Ирина',
  'Николай',
  'Светлана',
  'Артём',
  'Екатерина',
  'Владимир',
  'Анастасия',
];
const LAST = [
  'Волков',
  'Новиков',
  'Морозов',
  'Лебедев',
  'Козлов',
  'Попов',
  'Васильев',
  'Зайцев',
  'Павлов',
  'Семёнов',
  'Голубев',
  'Виноградов',
  'Богданов',
  'Воробьёв',
  'Фёдоров',
  'Михайлов',
];
const FEMALE = new Set(['Ольга', 'Наталья', 'Татьяна', 'Юлия', 'Ирина', 'Светлана', 'Екатерина', 'Анастасия']);
// The shared table, plus the signs an e-mail address drops.
const LAT: Record<string, string> = { ...TRANSLIT, ь: '', ъ: '' };
const translit = (s: string) => [...s.toLowerCase()].map((c) => LAT[c] ?? c).join('');
const COMPANY_WORDS = [
  'Ромашка',
  'Вектор',
  'Гранит',
  'Меридиан',
  'Альфа',
  'Северсталь',
  'Техносфера',
  'Орион',
  'Квант',
  'Полюс',
  'Стройинвест',
  'Аврора',
  'Лидер',
  'Прогресс',
  'Сфера',
  'Импульс',
  'Восток',
  'Эталон',
  'Горизонт',
  'Фаворит',
];
const CITIES = ['Москва', 'Санкт-Петербург', 'Казань', 'Екатеринбург', 'Новосибирск', 'Нижний Новгород'];
const POSITIONS = ['Генеральный директор', 'Коммерческий директор', 'Менеджер по закупкам', 'Главный инженер', 'Финансовый директор', 'Руководитель отдела'];
const PRODUCTS = [
  'Поставка оборудования',
  'Внедрение CRM',
  'Монтаж вентиляции',
  'Аренда техники',
  'Разработка сайта',
  'Обслуживание серверов',
  'Поставка стройматериалов',
  'Обучение персонала',
];
const TAGS = ['Горячий клиент', 'VIP', 'Повторная продажа', 'Тендер', 'Опт'];

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeds the demo workspace into an empty database; returns the demo login while it exists. */
export async function seedDemo(db: PrismaClient, log: Logger): Promise<DemoLogin | null> {
  if ((await db.workspace.count()) > 0) {
    const admin = await db.user.findUnique({ where: { email: DEMO_LOGIN.email } });
    return admin ? DEMO_LOGIN : null;
  }
  const started = Date.now();
  const rand = rng(20261123);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)];
  const passwordHash = await hashPassword(DEMO_LOGIN.password);

  await db.$transaction(
    async (tx) => {
      const {
        workspace,
        user: admin,
        pipeline,
      } = await bootstrapWorkspace(tx, {
        workspace: { name: 'Демо: ООО «Ромашка»', locale: 'ru', timeZone: 'Europe/Moscow', currency: 'RUB', phoneRegion: 'RU' },
        admin: { name: 'Анна Смирнова', email: DEMO_LOGIN.email, passwordHash },
        pipeline: DEMO_PIPELINE,
      });
      const ws = workspace.id;
      const managerRole = await tx.role.findFirstOrThrow({ where: { workspaceId: ws, name: MANAGER_ROLE.ru } });
      const people = [
        ['Иван Петров', 'ivan.petrov@demo.crm'],
        ['Мария Иванова', 'maria.ivanova@demo.crm'],
        ['Дмитрий Кузнецов', 'dmitry.kuznetsov@demo.crm'],
        ['Елена Соколова', 'elena.sokolova@demo.crm'],
      ];
      const managers = [];
      for (const [name, email] of people) {
        managers.push(await tx.user.create({ data: { workspaceId: ws, name, email, passwordHash, roleId: managerRole.id } }));
      }
      await tx.team.create({
        data: { workspaceId: ws, name: 'Отдел продаж Москва', members: { create: managers.slice(0, 2).map((u) => ({ userId: u.id })) } },
      });
      await tx.team.create({
        data: { workspaceId: ws, name: 'Отдел продаж Санкт-Петербург', members: { create: managers.slice(2).map((u) => ({ userId: u.id })) } },
      });
      const owners = [admin, ...managers];
      const tags = await Promise.all(TAGS.map((name) => tx.tag.create({ data: { workspaceId: ws, name } })));
      const day = 86_400_000;
      const now = Date.now();
      const phone = () => `+79${pick(['15', '16', '03', '05', '25', '26', '77', '85', '99'])}${String(Math.floor(rand() * 1e7)).padStart(7, '0')}`;

      const companies = Array.from({ length: 60 }, (_, i) => {
        const name = `${pick(['ООО', 'АО', 'ИП', 'ПАО'])} «${COMPANY_WORDS[i % COMPANY_WORDS.length]}${i >= COMPANY_WORDS.length ? `-${Math.floor(i / COMPANY_WORDS.length) + 1}` : ''}»`;
        const domain = `${translit(COMPANY_WORDS[i % COMPANY_WORDS.length])}${i >= COMPANY_WORDS.length ? i : ''}.ru`;
        const phones = [phone()];
        const emails = [`info@${domain}`];
        const createdAt = new Date(now - Math.floor(rand() * 365) * day);
        return {
          id: crypto.randomUUID(),
          workspaceId: ws,
          name,
          address: `г. ${pick(CITIES)}, ул. Ленина, д. ${1 + Math.floor(rand() * 120)}`,
          website: `https://${domain}`,
          phones,
          emails,
          responsibleId: pick(owners).id,
          createdById: admin.id,
          updatedById: admin.id,
          createdAt,
          updatedAt: createdAt,
          lastActivityAt: createdAt,
          searchText: searchText({ names: [name], phones, emails }),
        };
      });
      await tx.company.createMany({ data: companies });

      const contacts = Array.from({ length: 200 }, (_, i) => {
        const first = FIRST[i % FIRST.length];
        const last = LAST[Math.floor(i / FIRST.length) % LAST.length] + (FEMALE.has(first) ? 'а' : '');
        const name = `${first} ${last}`;
        const company = rand() < 0.8 ? pick(companies) : null;
        const phones = rand() < 0.3 ? [phone(), phone()] : [phone()];
        const emails = [`${translit(first)}.${translit(last)}${i}@${company ? company.website!.slice(8) : 'mail.ru'}`];
        const createdAt = new Date(now - Math.floor(rand() * 300) * day);
        return {
          id: crypto.randomUUID(),
          workspaceId: ws,
          name,
          position: company ? pick(POSITIONS) : null,
          phones,
          emails,
          companyId: company?.id ?? null,
          responsibleId: company?.responsibleId ?? pick(owners).id,
          createdById: admin.id,
          updatedById: admin.id,
          createdAt,
          updatedAt: createdAt,
          lastActivityAt: createdAt,
          searchText: searchText({ names: [name], phones, emails }),
        };
      });
      await tx.contact.createMany({ data: contacts });

      const stages = await tx.stage.findMany({ where: { pipelineId: pipeline.id }, orderBy: { sortOrder: 'asc' } });
      const reasons = await tx.lossReason.findMany({ where: { pipelineId: pipeline.id } });
      const deals = [];
      const dealContacts = [];
      const dealTags = [];
      for (let i = 0; i < 300; i++) {
        // Early stages hold more deals, as on a real board.
        const stage = stages[Math.min(stages.length - 1, Math.floor(Math.pow(rand(), 1.6) * stages.length))];
        const contact = pick(contacts);
        const companyId = contact.companyId ?? (rand() < 0.3 ? pick(companies).id : null);
        const createdAt = new Date(now - Math.floor(rand() * 180) * day - Math.floor(rand() * day));
        const enteredAt = new Date(createdAt.getTime() + Math.floor(rand() * (now - createdAt.getTime())));
        const closed = stage.kind !== 'OPEN';
        const name = `${pick(PRODUCTS)} №${1000 + i}`;
        const id = crypto.randomUUID();
        deals.push({
          id,
          workspaceId: ws,
          name,
          amount: String(Math.round(10 + rand() * 2000) * 1000),
          currency: 'RUB',
          pipelineId: pipeline.id,
          stageId: stage.id,
          stageEnteredAt: enteredAt,
          responsibleId: contact.responsibleId,
          companyId,
          closedAt: closed ? enteredAt : null,
          lossReasonId: stage.kind === 'LOST' ? pick(reasons).id : null,
          createdById: admin.id,
          updatedById: admin.id,
          createdAt,
          updatedAt: enteredAt,
          lastActivityAt: enteredAt,
          searchText: searchText({ names: [name] }),
        });
        dealContacts.push({ dealId: id, contactId: contact.id, position: 0 });
        if (rand() < 0.25) {
          const other = pick(contacts);
          if (other.id !== contact.id) dealContacts.push({ dealId: id, contactId: other.id, position: 1 });
        }
        if (rand() < 0.4) dealTags.push({ dealId: id, tagId: pick(tags).id });
      }
      await tx.deal.createMany({ data: deals });
      await tx.dealContact.createMany({ data: dealContacts });
      await tx.dealTag.createMany({ data: dealTags });
    },
    { timeout: 120_000 },
  );
  log.info({ ms: Date.now() - started }, 'demo workspace seeded');
  return DEMO_LOGIN;
}

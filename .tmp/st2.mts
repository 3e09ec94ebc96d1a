import { openDatabase } from '../src/db.js';
import pg from 'pg';
const db = await openDatabase({ kind: 'postgres', url: 'postgresql://postgres@127.0.0.1:5432/postgres' });
await db.prisma.$executeRawUnsafe('set statement_timeout = 200');
try { await db.prisma.$queryRawUnsafe('select pg_sleep(2)'); } catch (e: any) { console.log(e.constructor.name, e.code, JSON.stringify(e.meta), e.message.slice(0,300), e.cause?.constructor?.name, e.cause?.originalCode, e.cause?.kind); }
try { await db.prisma.user.findMany({ where: { name: { contains: 'x' } } }); console.log('ok') } catch (e: any) { console.log('2', e.constructor.name, e.code); }
await db.close();

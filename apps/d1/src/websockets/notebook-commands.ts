import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsDefined, IsInt, IsOptional, IsString, Min, ValidationError, validateSync } from 'class-validator';
import type { Access, Permission } from '../auth/permission';
import { allows } from '../auth/permission';
import type { NotebookMessages } from '../events/messages';

/** Body of the `complete` command: the code and the cursor offset in it (default: its end). */
export class CompleteCommandBody {
  @IsDefined()
  @IsString()
  code!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  cursor_position?: number | null;
}

interface CommandSpec {
  /** What the sender's token must allow: anything that reaches a kernel can run code there, so write. */
  access: Access;
  body: Type<object>;
}

/** Every command a client may send on /notebooks/{uuid}/ws/notebook (the original d1 has one). */
export const NOTEBOOK_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  // IPython evaluates text inside a completion request (dict-key completion): it is as strong as execute.
  complete: { access: 'write', body: CompleteCommandBody },
};

/** A command that passed every check, its body validated. */
export interface NotebookCommand {
  command: 'complete';
  commandId: string | null;
  body: CompleteCommandBody;
}

/** The outcome of checking a command: pass it on, or answer the sender with this `error` message. */
export type CommandCheck =
  { ok: true; command: NotebookCommand } | { ok: false; reply: { error: NotebookMessages['error'] } };

/**
 * Checks a client's command before anything of it goes further, in the original d1's order and shapes: JSON, a known
 * command, the sender's permission (a read-only token sends nothing to a kernel), then its body.
 */
export function checkCommand(raw: string, permission: Permission | null): CommandCheck {
  let msg: { command?: unknown; command_id?: unknown; body?: unknown };
  try {
    msg = JSON.parse(raw) as typeof msg;
  } catch {
    return refuse({ message: 'Invalid JSON in command' }, null);
  }
  if (typeof msg !== 'object' || msg === null) return refuse({ message: 'Invalid JSON in command' }, null);
  const commandId = typeof msg.command_id === 'string' ? msg.command_id : null;
  const name = msg.command;
  const spec =
    typeof name === 'string' && Object.hasOwn(NOTEBOOK_COMMANDS, name) ? NOTEBOOK_COMMANDS[name] : null;
  if (!spec) {
    return refuse({ message: `Command '${String(msg.command)}' is not supported` }, commandId);
  }
  if (!permission || !allows(permission, spec.access)) {
    const detail = `Command '${String(name)}' needs a token with ${spec.access} access`;
    return refuse({ message: 'Inadequate permissions', detail }, commandId);
  }
  const body = checkBody(spec.body, msg.body ?? {});
  if (Array.isArray(body)) {
    return refuse({ message: 'Error processing incoming command, invalid body', detail: body }, commandId);
  }
  return { ok: true, command: { command: 'complete', commandId, body: body as CompleteCommandBody } };
}

function refuse(error: { message: string; detail?: unknown }, commandId: string | null): CommandCheck {
  return { ok: false, reply: { error: { ...error, command_id: commandId } } };
}

/** One failed field as the original d1 (pydantic) reports it. */
interface PydanticError {
  loc: string[];
  msg: string;
  type: string;
}

const TYPE_ERRORS: Record<string, Omit<PydanticError, 'loc'>> = {
  isString: { msg: 'str type expected', type: 'type_error.str' },
  isInt: { msg: 'value is not a valid integer', type: 'type_error.integer' },
  min: { msg: 'value is not a valid integer', type: 'type_error.integer' },
};

/** The body as an instance of its DTO, or its failed fields. */
function checkBody(dto: Type<object>, body: unknown): object | PydanticError[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }];
  }
  let instance: object;
  try {
    instance = plainToInstance(dto, body);
  } catch {
    return [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }];
  }
  const errors = validateSync(instance);
  return errors.length ? errors.map(pydanticError) : instance;
}

function pydanticError(e: ValidationError): PydanticError {
  const loc = [e.property];
  if (e.value === undefined) return { loc, msg: 'field required', type: 'value_error.missing' };
  const failed = Object.keys(e.constraints ?? {});
  const known = failed.map((c) => TYPE_ERRORS[c]).find(Boolean);
  return { loc, ...(known ?? { msg: 'value is not valid', type: 'value_error' }) };
}

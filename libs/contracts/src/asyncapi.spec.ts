import { buildAsyncApiDocument } from './asyncapi';
import { EVENT_TYPES, TOPIC_EVENT_TYPE } from './event-registry';
import { toJsonSchema } from './json-schema';
import { TOPIC_NAMES, TopicName, isTopicName } from './topics';

interface Channel {
  address: string;
  messages: Record<string, { $ref: string }>;
  bindings: { kafka: { partitions: number } };
}
interface Message {
  payload: { properties: { data: unknown; type: { const: string } } };
  bindings: { kafka: { key: unknown } };
}

describe('AsyncAPI document', () => {
  const doc = buildAsyncApiDocument() as unknown as {
    asyncapi: string;
    channels: Record<string, Channel>;
    operations: Record<string, { action: string; channel: { $ref: string } }>;
    components: { messages: Record<string, Message> };
    servers: Record<string, { host: string; protocol: string }>;
  };

  function messageOf(channel: Channel): Message {
    const refs = Object.values(channel.messages);
    expect(refs).toHaveLength(1);
    const name = refs[0].$ref.replace('#/components/messages/', '');
    return doc.components.messages[name];
  }

  it('is AsyncAPI 3.0.0 with a local Kafka server', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.servers['local']).toMatchObject({ host: '127.0.0.1:9092', protocol: 'kafka' });
  });

  it('has a channel for every topic whose payload data schema equals the TypeBox schema', () => {
    const addresses = Object.values(doc.channels).map((c) => c.address);
    expect([...addresses].sort()).toEqual([...TOPIC_NAMES].sort());
    for (const channel of Object.values(doc.channels)) {
      expect(isTopicName(channel.address)).toBe(true);
      const type = TOPIC_EVENT_TYPE[channel.address as TopicName];
      const message = messageOf(channel);
      expect(message.payload.properties.data).toEqual(toJsonSchema(EVENT_TYPES[type].schema));
      expect(message.payload.properties.type.const).toBe(type);
      expect(message.bindings.kafka.key).toBeDefined();
    }
  });

  it('has a send and a receive operation per channel, each pointing at an existing channel', () => {
    const ops = Object.values(doc.operations);
    expect(ops).toHaveLength(2 * TOPIC_NAMES.length);
    for (const op of ops) {
      expect(['send', 'receive']).toContain(op.action);
      expect(doc.channels[op.channel.$ref.replace('#/channels/', '')]).toBeDefined();
    }
  });
});

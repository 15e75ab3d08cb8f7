/**
 * The ONNX protobuf schema (onnx/onnx.proto, IR version 10) as a protobufjs
 * JSON descriptor. Field numbers follow the spec exactly; fields ConvLens
 * never reads (training info, quantization annotations) are left out and
 * skipped by the decoder as unknown fields.
 */
import type * as Protobuf from 'protobufjs/light';

const entry = { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } };

const descriptor = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: entry,
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
            functions: { rule: 'repeated', type: 'FunctionProto', id: 25 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            sparseInitializer: { rule: 'repeated', type: 'SparseTensorProto', id: 15 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            overload: { type: 'string', id: 8 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            refAttrName: { type: 'string', id: 21 },
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            sparseTensor: { type: 'SparseTensorProto', id: 22 },
            tp: { type: 'TypeProto', id: 14 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            tensors: { rule: 'repeated', type: 'TensorProto', id: 10 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType'] } },
          fields: {
            tensorType: { type: 'TensorTypeProto', id: 1 },
            sequenceType: { type: 'SequenceTypeProto', id: 4 },
            mapType: { type: 'MapTypeProto', id: 5 },
            optionalType: { type: 'SequenceTypeProto', id: 9 },
            sparseTensorType: { type: 'TensorTypeProto', id: 8 },
            denotation: { type: 'string', id: 6 },
          },
        },
        TensorTypeProto: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        SequenceTypeProto: { fields: { elemType: { type: 'TypeProto', id: 1 } } },
        MapTypeProto: {
          fields: { keyType: { type: 'int32', id: 1 }, valueType: { type: 'TypeProto', id: 2 } },
        },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: {
            dimValue: { type: 'int64', id: 1 },
            dimParam: { type: 'string', id: 2 },
            denotation: { type: 'string', id: 3 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            docString: { type: 'string', id: 12 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
            doubleData: { rule: 'repeated', type: 'double', id: 10, options: { packed: true } },
            uint64Data: { rule: 'repeated', type: 'uint64', id: 11, options: { packed: true } },
          },
        },
        SparseTensorProto: {
          fields: {
            values: { type: 'TensorProto', id: 1 },
            indices: { type: 'TensorProto', id: 2 },
            dims: { rule: 'repeated', type: 'int64', id: 3 },
          },
        },
        FunctionProto: {
          fields: {
            name: { type: 'string', id: 1 },
            input: { rule: 'repeated', type: 'string', id: 4 },
            output: { rule: 'repeated', type: 'string', id: 5 },
            attribute: { rule: 'repeated', type: 'string', id: 6 },
            attributeProto: { rule: 'repeated', type: 'AttributeProto', id: 11 },
            node: { rule: 'repeated', type: 'NodeProto', id: 7 },
            docString: { type: 'string', id: 8 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 9 },
            domain: { type: 'string', id: 10 },
            overload: { type: 'string', id: 13 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
      },
    },
  },
};

export interface OnnxTypes {
  ModelProto: Protobuf.Type;
  TensorProto: Protobuf.Type;
  GraphProto: Protobuf.Type;
}

let types: OnnxTypes | undefined;

/**
 * protobufjs types for the messages, built on first use: the writer needs
 * them, reading does not (decode.ts), and building them and loading
 * protobufjs cost a CLI run about 10 ms.
 */
export function onnxTypes(): OnnxTypes {
  if (types) return types;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protobuf = require('protobufjs/light') as typeof Protobuf;
  // int64 fields decode to JS numbers (exact below 2^53, which covers every dim,
  // attribute and offset in a real model) instead of Long objects.
  (protobuf.util as { Long: unknown }).Long = null;
  protobuf.configure();
  const root = protobuf.Root.fromJSON(descriptor);
  types = { ModelProto: root.lookupType('onnx.ModelProto'), TensorProto: root.lookupType('onnx.TensorProto'), GraphProto: root.lookupType('onnx.GraphProto') };
  return types;
}

// Plain-object views of the decoded messages (protobufjs camelCases field names).
export interface PStringEntry { key: string; value: string }
export interface POpset { domain?: string; version?: number }
export interface PDimension { dimValue?: number; dimParam?: string }
export interface PTypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: PDimension[] } };
  sparseTensorType?: { elemType?: number; shape?: { dim?: PDimension[] } };
  sequenceType?: { elemType?: PTypeProto };
  optionalType?: { elemType?: PTypeProto };
  mapType?: { keyType?: number; valueType?: PTypeProto };
}
export interface PValueInfo { name?: string; type?: PTypeProto; docString?: string }
export interface PTensor {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  rawData?: Uint8Array;
  externalData?: PStringEntry[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: number[];
}
export interface PSparseTensor { values?: PTensor; indices?: PTensor; dims?: number[] }
export interface PAttribute {
  name?: string;
  refAttrName?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: PTensor;
  g?: PGraph;
  sparseTensor?: PSparseTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: PTensor[];
  graphs?: PGraph[];
}
export interface PNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: PAttribute[];
  docString?: string;
}
export interface PGraph {
  node?: PNode[];
  name?: string;
  initializer?: PTensor[];
  sparseInitializer?: PSparseTensor[];
  docString?: string;
  input?: PValueInfo[];
  output?: PValueInfo[];
  valueInfo?: PValueInfo[];
}
export interface PFunction {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: PAttribute[];
  node?: PNode[];
  opsetImport?: POpset[];
  domain?: string;
  valueInfo?: PValueInfo[];
}
export interface PModel {
  irVersion?: number;
  opsetImport?: POpset[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: PGraph;
  metadataProps?: PStringEntry[];
  functions?: PFunction[];
}

/** Which files ConvLens opens, and in which of its two views. */
import * as vscode from 'vscode';
import { DEFINITION_VIEW_TYPE, MODEL_EDITOR_VIEW_TYPE } from './model-editor';

/** Model files: ONNX, Keras (.keras, .h5, model JSON), TF.js model.json, and `*.cnn.yaml` definitions. */
export const isModelPath = (path: string): boolean => /\.(onnx|keras|h5|json|cnn\.ya?ml)$/i.test(path);

/** Text formats open beside their text editor; binary ones replace it. */
export const isTextModelPath = (path: string): boolean => /\.(json|cnn\.ya?ml)$/i.test(path);

export const viewTypeFor = (path: string): string => (isTextModelPath(path) ? DEFINITION_VIEW_TYPE : MODEL_EDITOR_VIEW_TYPE);

export const MODEL_FILE_FILTERS = { 'Models (ONNX, Keras, TF.js, ConvLens YAML)': ['onnx', 'keras', 'h5', 'json', 'yaml', 'yml'] };

/** The file of the active editor tab (text, custom or notebook editors alike). */
export function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input && typeof input === 'object' && 'uri' in input ? (input as { uri: vscode.Uri }).uri : undefined;
}

import { stableId } from './places';

/** One appointed street chief of the Caichang demo, shared by the roster and the people service. */
export interface DemoChief {
  /** Id of the resident in the people service's demo population: `stableId('resident:<n>')`. */
  residentId: string;
  /** Public display name, as printed on the signboards; the people generator uses it for the resident. */
  name: string;
  /** Public contact phone (fake numbers: 138 0013 8xxx). */
  phone: string;
  /** Badge number (工作牌编号). */
  badge: string;
  gridName: string;
  /** Streets of the grid, by their demo names (see CAICHANG). */
  streetNames: string[];
}

const chief = (n: number, name: string, gridName: string, streetNames: string[]): DemoChief => ({
  residentId: stableId(`resident:${100 + n}`),
  name,
  phone: `1380013${String(8000 + n).padStart(4, '0')}`,
  badge: `CC-${String(n).padStart(3, '0')}`,
  gridName,
  streetNames,
});

/**
 * The 10 chiefs of Caichang (residents 101–110), one grid each, covering all 21 streets: no street
 * is uncovered in the demo (retire or suspend a chief to see `uncoveredStreets` fill up).
 */
export const DEMO_CHIEFS: DemoChief[] = [
  chief(1, '张德明', '正街网格', ['正街', '新街']),
  chief(2, '李秀英', '文昌网格', ['文昌街', '上河街']),
  chief(3, '王志强', '河西网格', ['下河街', '建设路', '兴业路']),
  chief(4, '刘桂芳', '南北街网格', ['南街', '北街']),
  chief(5, '陈建华', '东西街网格', ['东街', '西街']),
  chief(6, '杨淑珍', '复兴网格', ['复兴街', '和平街']),
  chief(7, '赵国庆', '人民网格', ['人民路', '幸福路']),
  chief(8, '黄丽萍', '花园网格', ['花园街', '桂花巷']),
  chief(9, '周永福', '金鸡网格', ['青石巷', '金鸡街']),
  chief(10, '吴红梅', '学堂网格', ['蔡场路', '学堂街']),
];

/** Deterministic id of the n-th demo grid (1-based, in DEMO_CHIEFS order). */
export const demoGridId = (n: number): string => stableId(`grid:${n}`);
